#!/usr/bin/env python3
"""Times commands against each other in one run: rounds alternate their order (ABC, CBA, ABC, ...), so a drift in the
machine's load falls on all of them alike, and each round gives one paired difference for every two commands.

usage: alternate.py ROUNDS WARMUP LABEL=COMMAND [LABEL=COMMAND ...]
COMMAND is split like a shell would (shlex) and run without a shell, output discarded; a non-zero exit aborts.
Prints, per command, the median and quartiles of its wall-clock time and its median CPU time (user + system of the
process and everything it waited for), then the paired differences. Standard library only."""
import itertools
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def quartiles(xs):
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv):
    cpu, start = cpu_seconds(), time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if done.returncode != 0:
        sys.exit(f"{shlex.join(argv)} exited {done.returncode}:\n{done.stderr.decode(errors='replace')}")
    return wall, cpu


def ms(x):
    return f"{x * 1000:+.1f}"


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    rounds, warmup = int(sys.argv[1]), int(sys.argv[2])
    commands = [(label, shlex.split(cmd)) for label, cmd in (a.split("=", 1) for a in sys.argv[3:])]
    wall = {label: [] for label, _ in commands}
    cpu = {label: [] for label, _ in commands}
    load_before = os.getloadavg()
    for r in range(warmup + rounds):
        for label, argv in commands if r % 2 == 0 else commands[::-1]:
            w, c = run(argv)
            if r >= warmup:
                wall[label].append(w)
                cpu[label].append(c)
    load_after = os.getloadavg()

    print(f"{rounds} rounds (+{warmup} warm-up), order alternating; {os.cpu_count()} cores; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    width = max(len(label) for label, _ in commands)
    for label, argv in commands:
        lo, med, hi = quartiles(wall[label])
        print(f"  {label:<{width}}  wall median {med:.3f} s (quartiles {lo:.3f}-{hi:.3f}, min {min(wall[label]):.3f}), "
              f"cpu median {statistics.median(cpu[label]):.3f} s  [{shlex.join(argv)}]")
    for (a, _), (b, _) in itertools.combinations(commands, 2):
        diffs = [x - y for x, y in zip(wall[a], wall[b])]
        lo, med, hi = quartiles(diffs)
        cpu_diff = statistics.median(x - y for x, y in zip(cpu[a], cpu[b]))
        print(f"  {a} - {b}: wall median {ms(med)} ms (quartiles {ms(lo)} to {ms(hi)}, min {ms(min(diffs))}, "
              f"max {ms(max(diffs))}), cpu median {ms(cpu_diff)} ms; paired per round")


if __name__ == "__main__":
    main()
