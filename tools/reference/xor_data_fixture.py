#!/usr/bin/env python3
"""Writes tests/Fixtures/xor-data.json: the XOR tutorial's data cell, run by CPython, as the oracle for XorData.

The tutorial's cell (random.seed(S) at its top; the three demo batches are printed, and draw too):

    def make_data():
        x1 = random.randint(0, 1)
        x2 = random.randint(0, 1)
        yy = 0 if (x1 == x2) else 1
        # x1 = 2. * (x1 - 0.5); x2 = 2. * (x2 - 0.5); yy = 2. * (yy - 0.5)   # centering, commented out in the tutorial
        x1 += 0.1 * random.random()
        x2 += 0.1 * random.random()
        yy += 0.1 * random.random()
        return [x1, x2], yy

    batch_size = 10
    def make_batch():
        data = [make_data() for ii in range(batch_size)]
        labels = [label for xx, label in data]
        data = [xx for xx, label in data]
        return np.array(data, dtype='float32'), np.array(labels, dtype='float32')

    print(make_batch()); print(make_batch()); print(make_batch())
    train_data = [make_batch() for ii in range(500)]
    test_data = [make_batch() for ii in range(50)]

For N inputs (the project's --inputs N) make_data is extended the natural way: N randint(0, 1) bits, the target their
parity, (centering), then N input noises and the target noise, in that order; N = 2 is the cell above.

Recorded per case (seed, centering, inputs): the first demo batch as Python prints it and as values, and the first
train batch, the last train batch and the last test batch as values (float32, exactly as JSON numbers).
Needs NumPy (Debian's python3-numpy). Regenerate from the repository root with:

    /usr/bin/python3 tools/reference/xor_data_fixture.py > tests/Fixtures/xor-data.json
"""
import json
import random
import sys

import numpy as np

CASES = [(42, False, 2), (42, True, 2), (1, False, 2), (7, True, 3), (2024, False, 5)]
BATCH_SIZE = 10


def make_data(center: bool, inputs: int):
    if inputs == 2:  # the tutorial's code, as written
        x1 = random.randint(0, 1)
        x2 = random.randint(0, 1)
        yy = 0 if (x1 == x2) else 1
        if center:
            x1 = 2. * (x1 - 0.5)
            x2 = 2. * (x2 - 0.5)
            yy = 2. * (yy - 0.5)
        x1 += 0.1 * random.random()
        x2 += 0.1 * random.random()
        yy += 0.1 * random.random()
        return [x1, x2], yy
    xs = [random.randint(0, 1) for _ in range(inputs)]
    yy = sum(xs) % 2
    if center:
        xs = [2. * (x - 0.5) for x in xs]
        yy = 2. * (yy - 0.5)
    xs = [x + 0.1 * random.random() for x in xs]
    yy += 0.1 * random.random()
    return xs, yy


def make_batch(center: bool, inputs: int):
    data = [make_data(center, inputs) for ii in range(BATCH_SIZE)]
    labels = [label for xx, label in data]
    data = [xx for xx, label in data]
    return np.array(data, dtype='float32'), np.array(labels, dtype='float32')


def values(batch) -> dict:
    x, y = batch
    return {"x": [[float(v) for v in row] for row in x], "y": [float(v) for v in y]}


def main() -> None:
    cases = []
    for seed, center, inputs in CASES:
        random.seed(seed)
        demo = [make_batch(center, inputs) for _ in range(3)]
        train_data = [make_batch(center, inputs) for ii in range(500)]
        test_data = [make_batch(center, inputs) for ii in range(50)]
        cases.append({
            "seed": seed, "center": center, "inputs": inputs,
            "demo_printed": str(demo[0]),
            "demo_first": values(demo[0]),
            "train_first": values(train_data[0]),
            "train_last": values(train_data[-1]),
            "test_last": values(test_data[-1]),
        })
    header = {
        "generator": "tools/reference/xor_data_fixture.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
    }
    lines = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases)
    sys.stdout.write(json.dumps(header, indent=1)[:-2] + ',\n "cases": [\n' + lines + "\n ]\n}\n")


if __name__ == "__main__":
    main()
