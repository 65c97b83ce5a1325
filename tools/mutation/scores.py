#!/usr/bin/env python3
"""Prints the mutation score of Stryker.NET JSON reports, per project and per file (standard library only).

Usage: scores.py [--survivors] NAME=REPORT.json ...

The score is Stryker's: detected / valid, where detected = killed + timeout and valid = detected + survived + no
coverage (compile and runtime errors and ignored mutants do not count). Files without mutants (outside the mutate
globs) are left out. --survivors also lists every surviving and uncovered mutant with its line, mutator and replacement.
"""
import json
import sys

DETECTED = ("Killed", "Timeout")
UNDETECTED = ("Survived", "NoCoverage")


def counts(mutants):
    c = {s: 0 for s in DETECTED + UNDETECTED + ("Ignored", "CompileError", "RuntimeError")}
    for m in mutants:
        c[m["status"]] = c.get(m["status"], 0) + 1
    return c


def score(c):
    detected = sum(c[s] for s in DETECTED)
    valid = detected + sum(c[s] for s in UNDETECTED)
    return (100.0 * detected / valid if valid else float("nan")), valid


def row(name, c):
    s, valid = score(c)
    return (f"  {name:<44} {s:6.2f} %  {c['Killed']:>6} {c['Timeout']:>7} {c['Survived']:>8} {c['NoCoverage']:>8}"
            f" {c['Ignored']:>7}")


def main(argv):
    survivors = "--survivors" in argv
    args = [a for a in argv if a != "--survivors"]
    if not args or any("=" not in a for a in args):
        sys.exit(__doc__.strip().splitlines()[2])
    for arg in args:
        name, path = arg.split("=", 1)
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        files = report["files"]
        root = report.get("projectRoot", "")
        print(f"{name} ({path})")
        print(f"  {'file':<44} {'score':>8}  {'killed':>6} {'timeout':>7} {'survived':>8} {'no cover':>8} {'ignored':>7}")
        total = counts([])
        for file in sorted(files):
            mutants = files[file]["mutants"]
            if not mutants:  # outside the configuration's mutate globs, or nothing to mutate
                continue
            c = counts(mutants)
            for k, v in c.items():
                total[k] = total.get(k, 0) + v
            shown = file[len(root):].lstrip("/") if root and file.startswith(root) else file
            print(row(shown, c))
        print(row("TOTAL", total))
        if survivors:
            for file in sorted(files):
                for m in sorted(files[file]["mutants"], key=lambda m: m["location"]["start"]["line"]):
                    if m["status"] in UNDETECTED:
                        line = m["location"]["start"]["line"]
                        replacement = " ".join(m.get("replacement", "").split())[:100]
                        print(f"    {m['status']:<10} {file.rsplit('/', 1)[-1]}:{line}  {m['mutatorName']}: {replacement}")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
