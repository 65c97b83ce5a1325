// The imperative twin of the shell's logic, xor and mnist runs: the tutorial's loop written the usual TorchSharp way
// (torch.manual_seed, nn.Linear modules, torch.optim, zero_grad/backward/step, a DataLoader-like shuffle on the global
// generator), the same seed, data and steps as `./functional EXERCISE --seed N --epochs N`, and the same losses (to the
// last bit for logic; see the README's performance section). It prints the lines a user of the tutorial reads, writes
// a JSONL log of every step and epoch with --log, and saves the model with --save. It is what the start-up, whole-run
// and memory benchmarks (tools/bench/runs.sh, `bench memory`) compare the shell with, so it does nothing more.
//
// usage: Functional.Imperative logic|xor|mnist [--seed N] [--epochs N] [--lr X] [--limit N] [--threads N] [--quiet]
//                                             [--log PATH] [--save PATH]
using System.Globalization;
using Functional.Model;
using Functional.Reference;
using Functional.Training.Exercises;
using static TorchSharp.torch;

const string Usage = "usage: Functional.Imperative logic|xor|mnist [--seed N] [--epochs N] [--lr X] [--limit N] [--threads N] [--quiet] [--log PATH] [--save PATH]";
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0 || args[0] is not ("logic" or "xor" or "mnist"))
    return Fail(args.Length == 0 ? "no exercise given" : $"unknown exercise '{args[0]}'");
var exercise = args[0];
var options = new Dictionary<string, string>();
var quiet = false;
for (var i = 1; i < args.Length; i++)
{
    if (args[i] == "--quiet") quiet = true;
    else if (args[i] is "--seed" or "--epochs" or "--lr" or "--limit" or "--threads" or "--log" or "--save" && i + 1 < args.Length)
        options[args[i]] = args[++i];
    else return Fail($"unexpected argument '{args[i]}'");
}
try
{
    var seed = long.Parse(options.GetValueOrDefault("--seed", "1"), CultureInfo.InvariantCulture);
    var epochs = options.TryGetValue("--epochs", out var e) ? int.Parse(e, CultureInfo.InvariantCulture) : exercise switch { "logic" => 99, "xor" => 100, _ => 3 };
    var lr = options.TryGetValue("--lr", out var l) ? double.Parse(l, CultureInfo.InvariantCulture) : exercise switch { "logic" => 0.1, "xor" => 0.01, _ => 1e-3 };
    int? limit = options.TryGetValue("--limit", out var n) ? int.Parse(n, CultureInfo.InvariantCulture) : null;
    if (epochs < 1 || !(lr > 0) || limit < 1) return Fail("--epochs and --limit must be positive, --lr a positive number");
    // mnist runs on one thread as the shell's mnist does by default; logic and xor on libtorch's default, as the shell's.
    if (options.TryGetValue("--threads", out var t)) set_num_threads(int.Parse(t, CultureInfo.InvariantCulture));
    else if (exercise == "mnist") set_num_threads(1);
    var console = quiet ? TextWriter.Null : Console.Out;
    using var log = options.TryGetValue("--log", out var logPath) ? new StreamWriter(logPath) : null;
    var run = new Run(console, log);
    var model = exercise switch
    {
        "logic" => run.Logic(seed, epochs, lr),
        "xor" => run.Xor(seed, epochs, lr),
        _ => run.Mnist(seed, epochs, lr, limit),
    };
    using (model)
    {
        if (options.TryGetValue("--save", out var savePath))
        {
            model.Save(savePath);
            Console.WriteLine($"saved {savePath}");
        }
    }
    return 0;
}
catch (FormatException)
{
    return Fail("a number option got something that is not a number");
}

static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}\n{Usage}");
    return 2;
}

/// <summary>The three runs. Each returns the trained model (the caller's to save and dispose).</summary>
internal sealed class Run(TextWriter console, StreamWriter? log)
{
    /// <summary>The AND gate: 2-2-1 ReLU, MSE, SGD, the four truth-table rows in order, one step each.</summary>
    public TorchMlp Logic(long seed, int epochs, double lr)
    {
        using var x = tensor(Functional.Training.Exercises.Logic.Inputs, ScalarType.Float32);
        using var y = tensor(Functional.Training.Exercises.Logic.TruthTable("and"), ScalarType.Float32).reshape(4, 1);
        var rows = Enumerable.Range(0, 4).Select(i => (x[i], y[i])).ToList();
        manual_seed(seed);
        var model = new TorchMlp(Functional.Training.Exercises.Logic.Spec(2));
        using var optimizer = optim.SGD(model.Parameters(), lr);
        console.WriteLine($"logic: AND gate, network {model.Spec}, mse, sgd(lr={lr}), {epochs} epochs, seed {seed}");
        var every = (int)Math.Pow(10, Math.Floor(Math.Log10(Math.Max(1.0, epochs / 5.0))));
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var sum = 0.0;
            for (var b = 0; b < rows.Count; b++)
                sum += Step(model, optimizer, rows[b].Item1, rows[b].Item2, (o, t) => nn.functional.mse_loss(o, t), epoch, b);
            Epoch(epoch, sum / rows.Count);
            if (epoch % every == 0 || epoch == 1 || epoch == epochs)
                console.WriteLine($"epoch {epoch,4}/{epochs}  loss {sum / rows.Count:G6}");
        }
        using (no_grad())
        using (var outputs = model.Forward(x))
        {
            var values = outputs.reshape(-1).data<float>().ToArray();
            console.WriteLine("outputs: " + string.Join(", ", values.Select(v => v.ToString("F4"))));
        }
        foreach (var (a, b) in rows) { a.Dispose(); b.Dispose(); }
        return model;
    }

    /// <summary>The XOR tutorial: its data cell's batches (Python's random), 2-2-1 sigmoid, MSE, SGD; test loss and accuracy per epoch.</summary>
    public TorchMlp Xor(long seed, int epochs, double lr)
    {
        var options = new XorOptions(Epochs: epochs, Lr: lr, Seed: seed);
        var (trainSet, testSet, _) = Functional.Training.Exercises.Xor.DrawData(options);
        using var train = trainSet;
        using var test = testSet;
        var batches = Enumerable.Range(0, train.Count).Select(i => (train.Inputs[i], train.Targets[i])).ToList();
        manual_seed(seed);
        var model = new TorchMlp(Functional.Training.Exercises.Xor.Spec(options));
        using var optimizer = optim.SGD(model.Parameters(), lr);
        console.WriteLine($"xor: network {model.Spec}, mse, sgd(lr={lr}), {epochs} epochs of {batches.Count} batches, seed {seed}");
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            double sum = 0, window = 0;
            for (var b = 0; b < batches.Count; b++)
            {
                var loss = Step(model, optimizer, batches[b].Item1, batches[b].Item2, (o, t) => nn.functional.mse_loss(o, t), epoch, b);
                sum += loss;
                window += loss;
                if ((b + 1) % 100 == 0)
                {
                    console.WriteLine($"epoch {epoch,3}  batch {b + 1,3}  train loss {window / 100:F6}");
                    window = 0;
                }
            }
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = model.Forward(test.Inputs);
            var testLoss = output.sub(test.Targets).square().mean([1]).mean().item<float>();
            var accuracy = output.round().eq(test.Targets.round()).to(ScalarType.Float32).mean().item<float>();
            Epoch(epoch, sum / batches.Count, testLoss, accuracy);
            console.WriteLine($"epoch {epoch,3}  test loss {testLoss:F6}  accuracy {accuracy:P1}");
        }
        foreach (var (a, b) in batches) { a.Dispose(); b.Dispose(); }
        return model;
    }

    /// <summary>
    /// The MNIST tutorial on the shipped sample: 784-64-64-64-10, NLL, Adam, batches of 10 from a shuffling loader
    /// (a base seed and a sampler seed from the global generator, the order from a generator seeded with the second, as
    /// PyTorch's DataLoader draws), then the test set with its loader's one draw.
    /// </summary>
    public TorchMlp Mnist(long seed, int epochs, double lr, int? limit)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "data", "mnist-sample");
        var files = Functional.Training.Exercises.Mnist.FileNames.Select(f => Path.Combine(dir, f + ".gz")).ToArray();
        var streams = files.Select(f => new NamedStream(Path.GetFileName(f), File.OpenRead(f))).ToArray();
        using var data = Functional.Training.Exercises.Mnist.Read(streams[0], streams[1], streams[2], streams[3]);
        foreach (var s in streams) s.Stream.Dispose();
        var count = Math.Min(limit ?? int.MaxValue, data.TrainCount);
        const int batchSize = 10;
        manual_seed(seed);
        var model = new TorchMlp(Functional.Training.Exercises.Mnist.Spec([64, 64, 64]));
        using var optimizer = optim.Adam(model.Parameters(), lr);
        console.WriteLine($"mnist: network {model.Spec}, nll, adam(lr={lr}), batch {batchSize}, {epochs} epochs, {count:N0} training images, seed {seed}");
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            DrawSeed(null); // the loader iterator's base seed
            using var order = randperm(count, generator: new Generator((ulong)DrawSeed(null)));
            var sum = 0.0;
            var steps = 0;
            for (long start = 0; start < count; start += batchSize, steps++)
            {
                using var idx = order.narrow(0, start, Math.Min(batchSize, count - start));
                using var pixels = data.TrainPixels.index_select(0, idx);
                using var floats = pixels.to(ScalarType.Float32);
                using var images = floats.div(255f); // ToTensor(), a batch at a time
                using var labels = data.TrainLabels.index_select(0, idx);
                sum += Step(model, optimizer, images, labels, (o, t) => nn.functional.nll_loss(o, t), epoch, steps);
            }
            DrawSeed(null); // the test loader's base seed
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = model.Forward(data.TestPixels.to(ScalarType.Float32).div(255f));
            var testLoss = nn.functional.nll_loss(output, data.TestLabels).item<float>();
            var accuracy = (double)output.argmax(1).eq(data.TestLabels).sum().item<long>() / data.TestCount;
            Epoch(epoch, sum / steps, testLoss, accuracy);
            console.WriteLine($"epoch {epoch}/{epochs}  train loss {sum / steps:F4}  test loss {testLoss:F4}  test accuracy {accuracy:F4}");
        }
        return model;
    }

    // PyTorch's torch.empty((), dtype=torch.int64).random_() on the global generator (TorchSharp has no argument-less
    // random_: its random_(-2^62, 2^62) draws the same value less 2^62).
    private static long DrawSeed(Generator? g)
    {
        const long half = 1L << 62;
        using var t = empty([], ScalarType.Int64);
        t.random_(-(double)half, half, generator: g);
        return t.item<long>() + half;
    }

    // One step of the tutorial's loop; the loss before the update, logged.
    private float Step(TorchMlp model, optim.Optimizer optimizer, Tensor inputs, Tensor targets, Func<Tensor, Tensor, Tensor> lossOf, int epoch, int batch)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = lossOf(model.Forward(inputs), targets);
        loss.backward();
        optimizer.step();
        var value = loss.item<float>();
        log?.WriteLine($"{{\"event\":\"step\",\"epoch\":{epoch},\"batch\":{batch},\"loss\":{value:R}}}");
        return value;
    }

    private void Epoch(int epoch, double loss, double? testLoss = null, double? accuracy = null)
    {
        if (log is null) return;
        log.WriteLine($"{{\"event\":\"epoch\",\"epoch\":{epoch},\"loss\":{loss:R}"
                      + (testLoss is { } v ? $",\"val_loss\":{v:R},\"accuracy\":{accuracy:R}" : "") + "}");
        log.Flush();
    }
}
