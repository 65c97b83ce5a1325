#!/usr/bin/env python3
"""Writes tests/Fixtures/python-random.json: CPython's `random` module as the oracle for src/Model/PyRandom.cs.

For each seed, `random.seed(seed)` and then a fixed, repeating pattern of draws (randint, random, getrandbits of
several widths, randrange over a wide range) is recorded value by value, together with SHA-256 digests of the
generator state (`random.getstate()`: the 624 Mersenne Twister words and the index) right after seeding and after the
last draw. The tests replay the pattern in C# and need no Python.

Needs only the standard library. Regenerate from the repository root with:

    /usr/bin/python3 tools/reference/python_random_fixture.py > tests/Fixtures/python-random.json
"""
import hashlib
import json
import platform
import random
import struct
import sys

# 100 decimal digits (the first 100 of pi): seeds with 11 32-bit words.
PI_100 = int("31415926535897932384626433832795028841971693993751"
             "05820974944592307816406286208998628034825342117067")
SEEDS = [0, 1, 42, 2**32 - 1, 2**32, 2**32 + 5, PI_100, -7]

# One op per entry, replayed cyclically. "randint:a:b" is random.randint(a, b), "below:n" is random.randrange(n)
# (that is _randbelow(n)), "bits:k" is random.getrandbits(k), "random" is random.random().
PATTERN = [
    "randint:0:1", "randint:0:1", "random", "random", "random",  # one sample of the XOR tutorial's make_data
    "bits:0", "bits:1", "bits:2", "bits:7", "bits:31", "bits:32", "bits:33", "bits:64", "bits:65", "bits:100",
    "randint:0:9", "randint:-5:1000000", "randint:3:3", "below:" + str(2**70 + 3), "below:6", "below:" + str(2**32 + 1),
]
CYCLES = 120  # 21 ops per cycle: 2,520 values per seed


def state_digest() -> str:
    version, words, gauss = random.getstate()
    assert version == 3 and len(words) == 625
    return hashlib.sha256(struct.pack("<625I", *words)).hexdigest()


def draw(op: str):
    kind, *args = op.split(":")
    if kind == "random":
        return random.random()
    if kind == "randint":
        return str(random.randint(int(args[0]), int(args[1])))
    if kind == "bits":
        return str(random.getrandbits(int(args[0])))
    if kind == "below":
        return str(random.randrange(int(args[0])))
    raise ValueError(op)


def main() -> None:
    runs = []
    for seed in SEEDS:
        random.seed(seed)
        seeded = state_digest()
        head = list(random.getstate()[1][:4]) + [random.getstate()[1][-1]]
        values = [draw(PATTERN[i % len(PATTERN)]) for i in range(CYCLES * len(PATTERN))]
        runs.append({
            "seed": str(seed),
            "state_after_seed_sha256": seeded,
            "state_after_seed_head": head,  # mt[0..3] and the index, readable
            "values": values,
            "state_after_sha256": state_digest(),
        })
    header = {
        "generator": "tools/reference/python_random_fixture.py",
        "python": platform.python_implementation() + " " + sys.version.split()[0],
        "state_digest": "sha256 of random.getstate()[1] (624 words, then the index) as 625 little-endian uint32",
        "pattern": PATTERN,
    }
    # One run per line keeps the file small and its diffs readable.
    lines = ",\n".join("  " + json.dumps(run, separators=(",", ":")) for run in runs)
    sys.stdout.write(json.dumps(header, indent=1)[:-2] + ',\n "runs": [\n' + lines + "\n ]\n}\n")

if __name__ == "__main__":
    main()
