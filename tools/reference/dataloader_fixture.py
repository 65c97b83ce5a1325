#!/usr/bin/env python3
"""Writes tests/Fixtures/dataloader.json: what iterating PyTorch DataLoaders draws from the global generator.

For each seed and size, under `torch.manual_seed(seed)`: a shuffled DataLoader (batch size B) is iterated twice, then
an unshuffled one once (the train-then-test pattern of the tutorials), and then `torch.rand(3)` is drawn: that value
says where the global generator stands after the three iterations. Recorded per iteration: the iterator's base seed
(every iteration draws one, shuffled or not), the batch sizes, and the sample order (in full when short, otherwise its
first indices and a SHA-256 digest of the whole order as little-endian int64). Single process (num_workers=0),
drop_last=False, as in the tutorials. The tests (src/Training/Data/DataLoader.cs) need no Python.

Needs PyTorch (Debian's python3-torch, 1.13.1). Regenerate from the repository root with:

    /usr/bin/python3 tools/reference/dataloader_fixture.py > tests/Fixtures/dataloader.json
"""
import hashlib
import json
import sys

import torch
from torch.utils.data import DataLoader, TensorDataset

SEEDS = [0, 1, 42, 2024]
SIZES = [(8000, 10), (1600, 64), (37, 5)]
FULL_ORDER_MAX = 100  # orders up to this length are stored whole
HEAD = 16


def iterate(loader: DataLoader) -> dict:
    it = iter(loader)
    base_seed = it._base_seed  # drawn when the iterator is made
    batches = [b[0] for b in it]
    order = torch.cat(batches)
    record = {
        "base_seed": str(base_seed),
        "batch_sizes": sorted({len(b) for b in batches}, reverse=True),
        "batches": len(batches),
        "order_sha256": hashlib.sha256(order.to(torch.int64).numpy().astype("<i8").tobytes()).hexdigest(),
    }
    if len(order) <= FULL_ORDER_MAX:
        record["order"] = order.tolist()
    else:
        record["order_head"] = order[:HEAD].tolist()
    return record


def main() -> None:
    torch.set_num_threads(1)
    cases = []
    for seed in SEEDS:
        for n, batch_size in SIZES:
            data = TensorDataset(torch.arange(n))
            torch.manual_seed(seed)
            shuffled = DataLoader(data, batch_size=batch_size, shuffle=True)
            in_order = DataLoader(data, batch_size=batch_size, shuffle=False)
            iterations = [iterate(shuffled), iterate(shuffled), iterate(in_order)]
            cases.append({
                "seed": seed,
                "n": n,
                "batch_size": batch_size,
                "iterations": iterations,
                "shuffled": [True, True, False],
                "next_rand": [float(v) for v in torch.rand(3)],
            })
    header = {
        "generator": "tools/reference/dataloader_fixture.py",
        "pytorch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "what": "under torch.manual_seed(seed): iterate DataLoader(shuffle=True) twice, then DataLoader(shuffle=False) once, then torch.rand(3)",
    }
    lines = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases)
    sys.stdout.write(json.dumps(header, indent=1)[:-2] + ',\n "cases": [\n' + lines + "\n ]\n}\n")


if __name__ == "__main__":
    main()
