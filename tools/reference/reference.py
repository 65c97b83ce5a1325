#!/usr/bin/python3
"""Reference logs made by real PyTorch: the tutorials' calls, in the tutorials' order, under torch.manual_seed(seed).

Each run is given as the `functional` command line it should equal (e.g. `xor --seed 3 --activation tanh --center`);
this script parses that command with the exercise's defaults, makes the tutorial's PyTorch calls for it, and writes the
run's log in our JSON Lines schema (docs/run-format.md): a header line (`"reference":true`, the versions, the seed, the
torch thread count and the command), then the `step` / `epoch` (/ `summary`) events exactly as the shell's `--log`
writes them. Data are read from the shipped files, never downloaded.

    /usr/bin/python3 tools/reference/reference.py --out tests/Fixtures/reference        # the committed fixtures
    /usr/bin/python3 tools/reference/reference.py --command "regression --preset fit --seed 1 --epochs 2000" --log ref.jsonl
    /usr/bin/python3 tools/reference/reference.py --compare ours.jsonl ref.jsonl       # where two logs drift apart

The script is deterministic: run twice, it writes the same bytes (the header carries no date; gzip has mtime 0).
"""

import argparse
import gzip
import io
import json
import math
import os
import platform
import random
import shlex
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST_SAMPLE = os.path.join(REPO, "data", "mnist-sample")
SCHEMA = "functional-log/2"
THREADS = 1

# The committed fixtures: (file stem, command). Seeds 1..3 where a run is cheap, two seeds for the long XOR runs.
FIXTURES = (
    [(f"logic-and-seed{s}", f"logic --seed {s}") for s in (1, 2, 3)]
    + [(f"regression-{p}-seed{s}", f"regression --preset {p} --seed {s} --epochs 150") for p in ("fit", "split", "decay") for s in (1, 2, 3)]
    + [(f"regression-loader-seed{s}", f"regression --preset loader --seed {s} --epochs 3") for s in (1, 2, 3)]
    + [(f"xor-sigmoid-seed{s}", f"xor --seed {s}") for s in (1, 42)]
    + [(f"xor-tanh-center-seed{s}", f"xor --seed {s} --activation tanh --center") for s in (1, 42)]
    + [(f"xor-uniform-seed{s}", f"xor --seed {s} --init uniform") for s in (1, 42)]
    + [(f"mnist-limit2000-seed{s}", f"mnist --seed {s} --limit 2000 --epochs 3") for s in (1, 2)]
    + [(f"perceptron-seed{s}", f"perceptron --seed {s}") for s in (1, 2, 3)]
)

# Logs larger than this are written gzipped (.jsonl.gz).
GZIP_ABOVE = 100_000


# ---------------------------------------------------------------------------------------------------------------------
# The log: our JSON Lines schema.

def number(x):
    """A number as our log writes it: shortest round-trip text; NaN and infinities as strings.

    A float32 value (np.float32, e.g. a loss.item() kept as float32) is written in float32's shortest round-trip form:
    the same number as the shell's double text of that float32, in about half the digits."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError("booleans are not numbers in the log")
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, np.float32):
        if not np.isfinite(x):
            return json.dumps(str(float(x)).replace("nan", "NaN").replace("inf", "Infinity"))
        text = str(x)
        return text[:-2] if text.endswith(".0") else text
    x = float(x)
    if math.isnan(x):
        return '"NaN"'
    if math.isinf(x):
        return '"Infinity"' if x > 0 else '"-Infinity"'
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def render(value):
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(render(v) for v in value) + "]"
    return number(value)


class Log:
    """The lines of one run, header first."""

    def __init__(self, exercise, command, seed, config):
        self.lines = [render({
            "event": "header", "schema": SCHEMA, "exercise": exercise, "command": command, "seed": seed, "config": config,
            "torch_threads": torch.get_num_threads(), "versions": versions(), "reference": True,
        })]

    def event(self, kind, **fields):
        self.lines.append(render({"event": kind, **fields}))

    def step(self, epoch, batch, loss):
        self.event("step", epoch=epoch, batch=batch, loss=np.float32(loss))

    def epoch(self, epoch, losses, val_loss=None, accuracy=None):
        fields = {"epoch": epoch, "loss": mean(losses)}
        if val_loss is not None:
            fields["val_loss"] = val_loss
        if accuracy is not None:
            fields["accuracy"] = accuracy
        self.event("epoch", **fields)

    def text(self):
        return "".join(line + "\n" for line in self.lines)


def versions():
    package = debian_package_version("python3-torch")
    return {
        # Debian's python3-torch 1.13.1 reports itself as 1.13.0a0: the package's upstream version is the true one.
        "pytorch": package.split("+")[0].split("-")[0] if package else torch.__version__,
        "torch_version_reported": torch.__version__,
        "debian_package": f"python3-torch {package}" if package else None,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def debian_package_version(name):
    """The Debian package version (python3-torch 1.13.1+dfsg-4 reports itself as torch 1.13.0a0)."""
    try:
        with open("/var/lib/dpkg/status", encoding="utf-8") as f:
            block = None
            for line in f:
                if line.startswith("Package: "):
                    block = line[9:].strip()
                elif block == name and line.startswith("Version: "):
                    return line[9:].strip()
    except OSError:
        pass
    return None


def mean(values):
    """The mean as our loop computes it: a running double sum in order, divided by the count."""
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def seeded(seed):
    torch.manual_seed(seed)


# ---------------------------------------------------------------------------------------------------------------------
# Parsing our command lines (the subset each reference run supports), with the shell's defaults.

class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def parser(exercise, seed=1, epochs=None, lr=None):
    p = Parser(prog=exercise, add_help=False, allow_abbrev=False)
    p.add_argument("--seed", "-s", type=int, default=seed)
    if epochs is not None:
        p.add_argument("--epochs", "-e", type=int, default=epochs)
    if lr is not None:
        p.add_argument("--lr", type=float, default=lr)
    return p


def config_of(args, order):
    return {name.replace("_", "-"): getattr(args, name) for name in order}


# ---------------------------------------------------------------------------------------------------------------------
# logic: the AND-gate tutorial. Linear(2,H) -> ReLU -> Linear(H,1), MSE, SGD, one truth-table row per step.

GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0], "xor": [0, 1, 1, 0], "xnor": [1, 0, 0, 1]}


def logic(argv, command):
    p = parser("logic", epochs=99, lr=0.1)
    p.add_argument("--gate", "-g", default="and", choices=sorted(GATES))
    p.add_argument("--hidden", type=int, default=2)
    a = p.parse_args(argv)
    log = Log("logic", command, a.seed, config_of(a, ["gate", "hidden", "epochs", "lr", "seed"]))

    X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
    Y = torch.tensor(GATES[a.gate], dtype=torch.float32).view(-1, 1)
    seeded(a.seed)
    model = nn.Linear(2, 1) if a.hidden == 0 else nn.Sequential(nn.Linear(2, a.hidden), nn.ReLU(), nn.Linear(a.hidden, 1))
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=a.lr)
    for epoch in range(1, a.epochs + 1):
        losses = []
        for batch, (x, y) in enumerate(zip(X, Y)):
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            losses.append(loss.item())
            log.step(epoch, batch, losses[-1])
            optimizer.step()
        log.epoch(epoch, losses)
    return log


# ---------------------------------------------------------------------------------------------------------------------
# regression: y = sin(cos(x^2)) + 0.1 randn on linspace(-3, 3, n); Sequential(Linear(1,H), act, Linear(H,1)); MSE.

REGRESSION_PRESETS = {
    "fit": dict(points=1000, hidden=20, activation="elu", optimizer="adam", lr=0.01, epochs=10000, split=None, weight_decay=0.0, batch_size=None),
    "split": dict(points=1000, hidden=20, activation="elu", optimizer="adam", lr=0.01, epochs=10000, split=0.8, weight_decay=0.0, batch_size=None),
    "decay": dict(points=1000, hidden=20, activation="elu", optimizer="adam", lr=0.01, epochs=10000, split=0.8, weight_decay=1e-3, batch_size=None),
    # The tutorial's DataLoader section: sequential 80/20 split, train loader batch 64 shuffled, test loader batch 64.
    "loader": dict(points=2000, hidden=50, activation="relu", optimizer="adam", lr=1e-3, epochs=2000, split=0.8, weight_decay=0.0, batch_size=64),
}

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "elu": nn.ELU, "identity": nn.Identity}


def regression(argv, command):
    p = Parser(prog="regression", add_help=False, allow_abbrev=False)
    p.add_argument("--preset", default="fit", choices=sorted(REGRESSION_PRESETS))
    for name, kind in [("seed", int), ("epochs", int), ("lr", float), ("points", int), ("hidden", int), ("activation", str),
                       ("optimizer", str), ("split", float), ("weight-decay", float), ("batch-size", int)]:
        p.add_argument(f"--{name}", type=kind, default=None)
    p.add_argument("--split-mode", default="sequential", choices=["sequential"])  # a random split is not the tutorial's
    given = p.parse_args(argv)
    a = argparse.Namespace(**REGRESSION_PRESETS[given.preset], seed=1)
    for name, value in vars(given).items():
        if value is not None and name not in ("preset", "split_mode"):
            setattr(a, name, value)
    a.preset, a.split_mode = given.preset, given.split_mode
    if a.activation not in ACTIVATIONS or a.optimizer not in ("adam", "sgd"):
        raise UsageError(f"regression: unsupported --activation {a.activation} or --optimizer {a.optimizer}")
    log = Log("regression", command, a.seed, config_of(a, [
        "preset", "points", "hidden", "activation", "optimizer", "lr", "epochs", "split", "split_mode", "weight_decay", "batch_size", "seed"]))

    seeded(a.seed)
    x = torch.linspace(-3, 3, a.points).unsqueeze(1)
    y = torch.sin(torch.cos(x ** 2)) + 0.1 * torch.randn(a.points, 1)
    if a.split is not None:
        n_train = int(round(a.points * a.split))
        x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    else:
        x_train, y_train, x_test, y_test = x, y, None, None
    model = nn.Sequential(nn.Linear(1, a.hidden), ACTIVATIONS[a.activation](), nn.Linear(a.hidden, 1))
    loss_fn = nn.MSELoss()
    make = optim.Adam if a.optimizer == "adam" else optim.SGD
    optimizer = make(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)

    if a.batch_size is None:
        for epoch in range(1, a.epochs + 1):
            model.train()
            loss = loss_fn(model(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            step_loss = loss.item()
            log.step(epoch, 0, step_loss)
            optimizer.step()
            val = None
            if x_test is not None:
                model.eval()
                with torch.no_grad():
                    val = np.float32(loss_fn(model(x_test), y_test).item())
            log.epoch(epoch, [step_loss], val_loss=val)
        return log

    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=a.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=a.batch_size, shuffle=False) if x_test is not None else None
    for epoch in range(1, a.epochs + 1):
        model.train()
        losses = []
        for batch, (xb, yb) in enumerate(train_loader):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            losses.append(loss.item())
            log.step(epoch, batch, losses[-1])
            optimizer.step()
        val = None
        if test_loader is not None:
            model.eval()
            with torch.no_grad():
                val = mean([loss_fn(model(xb), yb).item() for xb, yb in test_loader])
        log.epoch(epoch, losses, val_loss=val)
    return log


# ---------------------------------------------------------------------------------------------------------------------
# xor: the XOR tutorial. Data from Python's random (random.seed(S), three demo batches, 500 train, 50 test), then
# torch.manual_seed(S) right before the model; Linear(N,H) -> act -> Linear(H,1), squeezed; MSE; SGD.

XOR_BATCH = 10
XOR_TRAIN = 500
XOR_TEST = 50


def xor(argv, command):
    p = parser("xor", epochs=100, lr=0.01)
    p.add_argument("--activation", "-a", default="sigmoid", choices=["sigmoid", "tanh", "relu"])
    p.add_argument("--init", default="default", choices=["default", "uniform"])
    p.add_argument("--center", action="store_true")
    p.add_argument("--hidden", type=int, default=2)
    p.add_argument("--inputs", type=int, default=2)
    a = p.parse_args(argv)
    log = Log("xor", command, a.seed, config_of(a, ["activation", "center", "epochs", "hidden", "init", "inputs", "lr", "seed"])
              | {"data": "python-random"})

    random.seed(a.seed)

    def make_data():
        bits = [random.randint(0, 1) for _ in range(a.inputs)]
        yy = sum(bits) % 2  # for two inputs: 0 if x1 == x2 else 1
        xs = [float(b) for b in bits]
        yy = float(yy)
        if a.center:
            xs = [2. * (v - 0.5) for v in xs]
            yy = 2. * (yy - 0.5)
        xs = [v + 0.1 * random.random() for v in xs]
        yy += 0.1 * random.random()
        return xs, yy

    def make_batch():
        data = [make_data() for _ in range(XOR_BATCH)]
        return np.array([d[0] for d in data], dtype=np.float32), np.array([d[1] for d in data], dtype=np.float32)

    for _ in range(3):  # the tutorial prints three demo batches: they draw too
        make_batch()
    train_data = [make_batch() for _ in range(XOR_TRAIN)]
    test_data = [make_batch() for _ in range(XOR_TEST)]

    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[a.activation]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense1 = nn.Linear(a.inputs, a.hidden)
            self.dense2 = nn.Linear(a.hidden, 1)

        def forward(self, x):
            return self.dense2(act(self.dense1(x))).squeeze(-1)

    torch.manual_seed(a.seed)
    model = Net()
    if a.init == "uniform":
        for t in (model.dense1.weight, model.dense1.bias, model.dense2.weight, model.dense2.bias):
            t.data.uniform_(-1, 1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=a.lr)

    accuracies, test_losses = [], []
    for epoch in range(1, a.epochs + 1):
        losses = []
        for batch, (xn, yn) in enumerate(train_data):
            x, y = torch.from_numpy(xn), torch.from_numpy(yn)
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            losses.append(loss.item())
            log.step(epoch, batch, losses[-1])
            optimizer.step()
        test_loss, correct = 0.0, 0
        with torch.no_grad():
            for xn, yn in test_data:
                output = model(torch.from_numpy(xn))
                test_loss += criterion(output, torch.from_numpy(yn)).item()
                correct += int(np.sum(np.around(output.numpy()) == np.around(yn)))
        test_losses.append(test_loss / XOR_TEST)
        accuracies.append(correct / (XOR_TEST * XOR_BATCH))
        log.epoch(epoch, losses, val_loss=test_losses[-1], accuracy=accuracies[-1])
    perfect = next((i + 1 for i, acc in enumerate(accuracies) if acc >= 1.0), None)
    log.event("summary", accuracy=accuracies[-1], test_loss=test_losses[-1], first_perfect_epoch=perfect)
    return log


# ---------------------------------------------------------------------------------------------------------------------
# mnist: the MNIST tutorial's Net (fc1..fc4, ReLU, log_softmax), NLL, Adam, DataLoader(batch 10, shuffle=True) for
# training and DataLoader(shuffle=False) for the test set, evaluated after every epoch; the shipped sample instead of
# torchvision's download.

def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    zero, kind, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class MnistSample(Dataset):
    """datasets.MNIST(..., transform=transforms.ToTensor()) on the shipped IDX files: ([1, 28, 28] float32 /255, int)."""

    def __init__(self, train):
        prefix = "train" if train else "t10k"
        self.images = read_idx(os.path.join(MNIST_SAMPLE, f"{prefix}-images-idx3-ubyte.gz"))
        self.labels = read_idx(os.path.join(MNIST_SAMPLE, f"{prefix}-labels-idx1-ubyte.gz"))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        # ToTensor on a uint8 image: to the default dtype, then div(255).
        image = torch.from_numpy(self.images[i].copy()).unsqueeze(0).to(dtype=torch.get_default_dtype()).div(255)
        return image, int(self.labels[i])


def mnist(argv, command):
    p = parser("mnist", epochs=3, lr=1e-3)
    p.add_argument("--batch-size", "-b", type=int, default=10)
    p.add_argument("--hidden", default="64,64,64")
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args(argv)
    hidden = [int(h) for h in a.hidden.split(",")]
    log = Log("mnist", command, a.seed, config_of(a, ["epochs", "batch_size", "lr", "hidden", "seed", "limit"]) | {"data": "shipped sample"})

    train = MnistSample(train=True)
    test = MnistSample(train=False)
    if a.limit is not None:
        train = Subset(train, range(a.limit))
    trainset = DataLoader(train, batch_size=a.batch_size, shuffle=True)
    testset = DataLoader(test, batch_size=a.batch_size, shuffle=False)

    sizes = [28 * 28, *hidden, 10]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            for i in range(len(sizes) - 1):
                setattr(self, f"fc{i + 1}", nn.Linear(sizes[i], sizes[i + 1]))

        def forward(self, x):
            layers = [getattr(self, f"fc{i + 1}") for i in range(len(sizes) - 1)]
            for layer in layers[:-1]:
                x = F.relu(layer(x))
            return F.log_softmax(layers[-1](x), dim=1)

    torch.manual_seed(a.seed)
    net = Net()
    optimizer = optim.Adam(net.parameters(), lr=a.lr)
    for epoch in range(1, a.epochs + 1):
        losses = []
        for batch, (X, y) in enumerate(trainset):
            net.zero_grad()
            output = net(X.view(-1, 28 * 28))
            loss = F.nll_loss(output, y)
            loss.backward()
            losses.append(loss.item())
            log.step(epoch, batch, losses[-1])
            optimizer.step()
        correct, total, test_losses = 0, 0, []
        with torch.no_grad():
            for X, y in testset:
                output = net(X.view(-1, 28 * 28))
                test_losses.append(F.nll_loss(output, y).item())
                for idx, i in enumerate(output):
                    if torch.argmax(i) == y[idx]:
                        correct += 1
                    total += 1
        log.epoch(epoch, losses, val_loss=mean(test_losses), accuracy=correct / total)
    return log


# ---------------------------------------------------------------------------------------------------------------------
# perceptron: the "Neural Networks" walkthrough. Linear(48, 10) + sigmoid; input randn(1, 48), target randn(1, 10);
# MSE; the bias gradient; one manual update and one SGD step, both from the initial weights (as our command shows them).

def perceptron(argv, command):
    p = parser("perceptron", lr=0.01)
    p.add_argument("--inputs", type=int, default=48)
    p.add_argument("--outputs", type=int, default=10)
    a = p.parse_args(argv)
    log = Log("perceptron", command, a.seed, config_of(a, ["seed", "lr", "inputs", "outputs"]))

    class Perceptron(nn.Module):
        def __init__(self, input_size, output_size):
            super().__init__()
            self.fc = nn.Linear(input_size, output_size)

        def forward(self, x):
            return torch.sigmoid(self.fc(x))

    torch.manual_seed(a.seed)
    model = Perceptron(a.inputs, a.outputs)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    input = torch.randn(1, a.inputs)
    output = model(input)
    target = torch.randn(1, a.outputs)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    model.zero_grad()
    loss.backward()
    bias_grad = model.fc.bias.grad.clone()
    weight_grad_shape = list(model.fc.weight.grad.shape)
    for f in model.parameters():
        f.data.sub_(f.grad.data * a.lr)
    manual = {k: v.clone() for k, v in model.state_dict().items()}

    # The optimizer's step from the same initial weights, as one logged training step.
    model.load_state_dict(initial)
    optimizer = optim.SGD(model.parameters(), lr=a.lr)
    optimizer.zero_grad()
    step_loss = criterion(model(input), target)
    step_loss.backward()
    log.step(1, 0, step_loss.item())
    optimizer.step()
    log.epoch(1, [step_loss.item()])
    stepped = model.state_dict()
    difference = max(float((manual[k] - stepped[k]).abs().max()) for k in manual)

    def values(t):
        return [np.float32(v) for v in t.detach().reshape(-1).tolist()]

    log.event("walkthrough",
              shapes={k: list(v.shape) for k, v in initial.items()},
              elements=sum(v.numel() for v in initial.values()),
              bias=values(initial["fc.bias"]),
              input_shape=list(input.shape),
              output_shape=list(output.shape),
              output=values(output),
              target=values(target),
              loss=np.float32(loss.item()),
              bias_grad=values(bias_grad),
              weight_grad_shape=weight_grad_shape,
              manual_bias=values(manual["fc.bias"]),
              optimizer_bias=values(stepped["fc.bias"]),
              manual_vs_optimizer_max_abs=difference)
    return log


EXERCISES = {"logic": logic, "regression": regression, "xor": xor, "mnist": mnist, "perceptron": perceptron}


def run(command):
    """The reference log of one `functional` command line."""
    argv = shlex.split(command)
    if not argv or argv[0] not in EXERCISES:
        raise UsageError(f"unknown exercise in '{command}' (expected one of: {', '.join(EXERCISES)})")
    torch.set_num_threads(THREADS)
    return EXERCISES[argv[0]](argv[1:], command)


def write(path, text):
    data = text.encode("utf-8")
    if path.endswith(".gz"):
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as f:
            f.write(data)
        data = buffer.getvalue()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return len(data)


# ---------------------------------------------------------------------------------------------------------------------
# Comparing two logs: where they drift apart.

def read_events(path):
    with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as f:
        return [e for e in (json.loads(line) for line in f if line.strip()) if e.get("event") in ("step", "epoch", "summary")]


def compare(ours_path, theirs_path, thresholds=(1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)):
    """Per field: the worst relative difference |a-b|/|b| and the first event where it exceeds each threshold."""
    ours, theirs = read_events(ours_path), read_events(theirs_path)
    print(f"events: ours {len(ours)}, theirs {len(theirs)}")
    fields = {}
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a["event"] != b["event"] or a.get("epoch") != b.get("epoch") or a.get("batch") != b.get("batch"):
            print(f"event {i}: ours {a}, theirs {b}: not the same event; stopping")
            break
        for key, vb in b.items():
            if key in ("event", "epoch", "batch") or not isinstance(vb, (int, float)) or isinstance(vb, bool):
                continue
            va = a.get(key)
            if not isinstance(va, (int, float)):
                continue
            name = f"{b['event']}.{key}"
            if name == "step.loss":  # a float32 in both logs (loss.item()): compare the float32 values themselves
                va, vb = float(np.float32(va)), float(np.float32(vb))
            rel = abs(va - vb) / abs(vb) if vb != 0 else (0.0 if va == 0 else math.inf)
            f = fields.setdefault(name, {"count": 0, "worst": 0.0, "worst_at": None, "first": {}})
            f["count"] += 1
            if rel > f["worst"]:
                f["worst"], f["worst_at"] = rel, (i, b.get("epoch"), b.get("batch"))
            for t in thresholds:
                if rel > t and t not in f["first"]:
                    f["first"][t] = (i, b.get("epoch"), b.get("batch"), va, vb, rel)
    for name, f in fields.items():
        print(f"{name}: {f['count']} compared, worst relative difference {f['worst']:.3g} at (index, epoch, batch) {f['worst_at']}")
        for t in thresholds:
            if t in f["first"]:
                i, e, b, va, vb, rel = f["first"][t]
                print(f"  first > {t:g}: index {i}, epoch {e}, batch {b}: ours {va!r}, theirs {vb!r}, relative {rel:.3g}")
            else:
                print(f"  never > {t:g}")


def main():
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--out", help="write every committed fixture into this folder")
    cli.add_argument("--only", nargs="*", help="with --out: only the fixtures whose name starts with one of these")
    cli.add_argument("--command", help="one `functional` command line to run (with --log)")
    cli.add_argument("--log", help="with --command: where to write its log (.gz compresses)")
    cli.add_argument("--compare", nargs=2, metavar=("OURS", "THEIRS"), help="report where two logs drift apart")
    args = cli.parse_args()
    try:
        if args.compare:
            compare(*args.compare)
        elif args.command:
            if not args.log:
                raise UsageError("--command needs --log PATH")
            write(args.log, run(args.command).text())
        elif args.out:
            os.makedirs(args.out, exist_ok=True)
            total = 0
            for stem, command in FIXTURES:
                if args.only and not any(stem.startswith(o) for o in args.only):
                    continue
                text = run(command).text()
                name = stem + (".jsonl.gz" if len(text.encode("utf-8")) > GZIP_ABOVE else ".jsonl")
                for stale in (stem + ".jsonl", stem + ".jsonl.gz"):
                    if stale != name and os.path.exists(os.path.join(args.out, stale)):
                        os.remove(os.path.join(args.out, stale))
                size = write(os.path.join(args.out, name), text)
                total += size
                print(f"{name}: {len(text.splitlines()) - 1} events, {size:,} bytes   ({command})", flush=True)
            print(f"total {total:,} bytes")
        else:
            cli.error("give --out DIR, --command CMD --log PATH, or --compare OURS THEIRS")
    except UsageError as e:
        print(e, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
