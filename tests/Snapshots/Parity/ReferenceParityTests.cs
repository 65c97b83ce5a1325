using System.Globalization;
using System.Text.Json;
using Functional.Snapshots.Shell;
using Functional.Training.Exercises;
using Walkthrough = Functional.Training.Exercises.Perceptron;
using Xunit;
using Xunit.Abstractions;

namespace Functional.Snapshots.Parity;

/// <summary>
/// Our runs against real PyTorch: each fixture in <c>tests/Fixtures/reference/</c> is a log that PyTorch 1.13.1 wrote
/// making the tutorial's calls (<c>tools/reference/reference.py</c>); its header names the <c>functional</c> command that
/// should reproduce it. The test runs that command through the shell's real entry point with <c>--log</c> and compares
/// the two logs event by event with <c>torch.allclose</c>'s rule (<see cref="Tolerance"/>). Our logs have no header line
/// yet, so headers are not compared: only the events.
/// </summary>
public sealed class ReferenceParityTests(ITestOutputHelper output)
{
    /// <summary>The copied fixtures (the test project copies <c>tests/Fixtures/reference</c> next to the test assembly).</summary>
    internal static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference");

    /// <summary>The AND gate, 396 steps: PyTorch's losses and ours agree to the bit; rtol 1e-6 leaves room for nothing else.</summary>
    [Theory]
    [InlineData("logic-and-seed1")]
    [InlineData("logic-and-seed2")]
    [InlineData("logic-and-seed3")]
    public void Logic(string fixture) => Matches(fixture, new Tolerance(1e-6));

    /// <summary>
    /// The Adam curve fits, first 150 epochs: full-batch steps over 1000 points. libtorch 2.10 and PyTorch 1.13 sum the
    /// first step's gradients in another order (up to 32 ulp apart in single elements), so the losses differ in the last
    /// bit within the first epochs and the fit, chaotic under Adam, amplifies it. These seeds stay within 6e-7. Measured
    /// over other seeds: within 1e-5 for the first 100 epochs in all 140 runs of seeds 1–60 (fit) and 1–40 (split,
    /// decay); past epoch 100 some seeds leave 1e-5 earlier than 150 (fit seeds 8, 11, 28 at epochs 101, 117, 140; split
    /// seed 19 at 134).
    /// </summary>
    [Theory]
    [InlineData("regression-fit-seed1")]
    [InlineData("regression-fit-seed2")]
    [InlineData("regression-fit-seed3")]
    [InlineData("regression-split-seed1")]
    [InlineData("regression-split-seed2")]
    [InlineData("regression-split-seed3")]
    [InlineData("regression-decay-seed1")]
    [InlineData("regression-decay-seed2")]
    [InlineData("regression-decay-seed3")]
    public void Regression(string fixture) => Matches(fixture, new Tolerance(1e-5));

    /// <summary>
    /// The curve-fitting tutorial's DataLoader section, 3 epochs: 1,600 training points in shuffled batches of 64 (the
    /// DataLoader's draws: a base seed, a sampler seed, randperm on a generator seeded with it), the 400 test points in
    /// unshuffled batches of 64 after every epoch, <c>val_loss</c> the mean of the 7 test-batch losses; Adam lr 1e-3.
    /// </summary>
    [Theory]
    [InlineData("regression-loader-seed1")]
    [InlineData("regression-loader-seed2")]
    [InlineData("regression-loader-seed3")]
    public void Loader(string fixture) => Matches(fixture, new Tolerance(1e-4));

    /// <summary>
    /// The XOR tutorial's whole 100-epoch runs (50,000 SGD steps, the data from Python's <c>random</c> seeded with the
    /// seed, the model from <c>torch.manual_seed</c>): every step loss and the test loss per epoch at rtol 1e-4, the
    /// accuracy within one of the 500 test samples.
    /// </summary>
    [Theory]
    [InlineData("xor-sigmoid-seed1")]
    [InlineData("xor-sigmoid-seed42")]
    [InlineData("xor-tanh-center-seed1")]
    [InlineData("xor-tanh-center-seed42")]
    [InlineData("xor-uniform-seed1")]
    [InlineData("xor-uniform-seed42")]
    public void Xor(string fixture) => Matches(fixture, new Tolerance(1e-4, AccuracyOf: 500));

    /// <summary>
    /// The MNIST tutorial on the first 2,000 images of the shipped sample, 3 epochs of batch 10 (600 Adam steps) through
    /// <c>DataLoader(shuffle=True)</c>, the 2,000 test images through <c>DataLoader(shuffle=False)</c> after every
    /// epoch: step losses and test losses at rtol 1e-4, the accuracy within one of the 2,000 test samples.
    /// </summary>
    [Theory]
    [InlineData("mnist-limit2000-seed1")]
    [InlineData("mnist-limit2000-seed2")]
    public void Mnist(string fixture) => Matches(fixture, new Tolerance(1e-4, AccuracyOf: 2000));

    /// <summary>Every committed fixture is compared by one of the tests above (a new fixture without a test would check nothing).</summary>
    [Fact]
    public void Every_fixture_is_compared()
    {
        var tested = typeof(ReferenceParityTests).GetMethods()
            .SelectMany(m => m.GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>())
            .SelectMany(a => a.GetData(null!)).Select(row => (string)row[0]).ToHashSet();
        var files = Directory.GetFiles(Folder).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.EndsWith(".jsonl", StringComparison.Ordinal) || n.EndsWith(".jsonl.gz", StringComparison.Ordinal))
            .Select(n => n[..n.IndexOf(".jsonl", StringComparison.Ordinal)]).ToHashSet();
        Assert.True(files.Count > 0, $"no fixtures in {Folder}");
        Assert.Empty(files.Except(tested));
        Assert.Empty(tested.Except(files));
    }

    /// <summary>
    /// The perceptron walkthrough: its one SGD step in the log, and every number the command prints (shapes, output,
    /// target, loss, the bias before and after, its gradient, the manual update and the optimizer's) against the values
    /// PyTorch computed, each within half a unit of the last printed digit plus rtol 1e-6.
    /// </summary>
    [Theory]
    [InlineData("perceptron-seed1")]
    [InlineData("perceptron-seed2")]
    [InlineData("perceptron-seed3")]
    public void Perceptron(string fixture)
    {
        var (reference, stdout) = Matches(fixture, new Tolerance(1e-6));
        var walk = reference.Extras.Single(e => e.Kind == "walkthrough");
        var printed = new PrintedWalkthrough(stdout);
        var failures = new List<string>();

        void Shape(string what, int[] ours, JsonElement theirs)
        {
            var expected = theirs.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            if (!ours.SequenceEqual(expected)) failures.Add($"{what}: ours [{string.Join(", ", ours)}], theirs [{string.Join(", ", expected)}]");
        }
        void Values(string what, double[] ours, int decimals, params double[] theirs)
        {
            if (ours.Length != theirs.Length)
            {
                failures.Add($"{what}: ours has {ours.Length} values, theirs {theirs.Length}");
                return;
            }
            var allowed = 0.5 * Math.Pow(10, -decimals); // the printed value is rounded to this many decimals
            for (var i = 0; i < ours.Length; i++)
                if (Math.Abs(ours[i] - theirs[i]) > allowed + Tolerance.Atol + 1e-6 * Math.Abs(theirs[i]))
                    failures.Add(string.Format(CultureInfo.InvariantCulture, "{0}[{1}]: ours prints {2}, theirs {3:R}", what, i, ours[i], theirs[i]));
        }
        double[] Floats(string name) => [.. walk[name]!.Value.EnumerateArray().Select(e => (double)e.GetSingle())];

        foreach (var p in walk["shapes"]!.Value.EnumerateObject())
            Shape($"shape of {p.Name}", printed.Shape(p.Name), p.Value);
        Values("parameter count", [printed.Elements], 0, walk["elements"]!.Value.GetInt32());
        Values("fc.bias", printed.Bias, 4, Floats("bias"));
        Shape("input shape", printed.InputShape, walk["input_shape"]!.Value);
        Shape("output shape", printed.OutputShape, walk["output_shape"]!.Value);
        Values("output", printed.Output, 4, Floats("output"));
        Values("target", printed.Target, 4, Floats("target"));
        Values("MSE", [printed.Loss], 6, walk["loss"]!.Value.GetSingle());
        Values("bias gradient", printed.BiasGradient, 4, Floats("bias_grad"));
        Shape("weight gradient shape", printed.WeightGradientShape, walk["weight_grad_shape"]!.Value);
        Values("fc.bias after the manual update", printed.ManualBias, 4, Floats("manual_bias"));
        Values("step loss", [printed.StepLoss], 6, walk["loss"]!.Value.GetSingle());
        Values("fc.bias after the optimizer step", printed.OptimizerBias, 4, Floats("optimizer_bias"));
        // In both libraries the manual update and the optimizer step agree up to float32 rounding, but not on which bits
        // round (seeds 1, 2, 3: PyTorch 1.13 5.8e-11, 4.7e-10, 1.9e-9; ours 1.9e-9, 0, 1.9e-9): the printed difference
        // must be of that size, as the reference's is, not of a real update's (lr·grad is ~1e-4 here).
        var theirDifference = walk["manual_vs_optimizer_max_abs"]!.Value.GetDouble();
        if (Math.Abs(printed.LargestDifference - theirDifference) > Tolerance.Atol)
            failures.Add($"largest difference between manual update and optimizer step: ours prints {printed.LargestDifference}, theirs {theirDifference}");
        Assert.True(failures.Count == 0, $"{fixture}: printed values differ from PyTorch's:\n{string.Join("\n", failures)}\nstdout:\n{stdout}");
        WalkMatches(fixture, reference.Header!, walk);
    }

    /// <summary>The same walkthrough values at full precision, from the core (the command prints them to 4 decimals): rtol 1e-6.</summary>
    private static void WalkMatches(string fixture, LogLine header, LogLine walk)
    {
        var config = header["config"]!.Value;
        var options = new PerceptronOptions(config.GetProperty("inputs").GetInt32(), config.GetProperty("outputs").GetInt32(),
            config.GetProperty("lr").GetDouble(), config.GetProperty("seed").GetInt64());
        using var setup = Walkthrough.Prepare(options);
        using var ours = Walkthrough.Walk(setup);
        var tolerance = new Tolerance(1e-6);
        var failures = new List<string>();
        void Values(string what, TorchSharp.torch.Tensor t, string field)
        {
            using var d = t.detach().to(TorchSharp.torch.ScalarType.Float32).reshape(-1);
            var mine = d.data<float>().ToArray();
            var theirs = walk[field]!.Value.EnumerateArray().Select(e => e.GetSingle()).ToArray();
            if (mine.Length != theirs.Length) failures.Add($"{what}: ours has {mine.Length} values, theirs {theirs.Length}");
            for (var i = 0; i < Math.Min(mine.Length, theirs.Length); i++)
                if (!tolerance.Allows(field, mine[i], theirs[i]))
                    failures.Add(string.Format(CultureInfo.InvariantCulture, "{0}[{1}]: ours {2:R}, theirs {3:R}, relative difference {4:G3}",
                        what, i, mine[i], theirs[i], LogComparison.Relative(mine[i], theirs[i])));
        }
        Values("fc.bias", setup.Initial.Params["fc.bias"], "bias");
        Values("output", ours.Output, "output");
        Values("target", setup.Data.Target, "target");
        Values("bias gradient", ours.Gradient["fc.bias"], "bias_grad");
        Values("fc.bias after the manual update", ours.ManualUpdate["fc.bias"], "manual_bias");
        Values("fc.bias after the optimizer step", ours.OptimizerUpdate["fc.bias"], "optimizer_bias");
        var loss = walk["loss"]!.Value.GetSingle();
        if (!tolerance.Allows("loss", (float)ours.Loss, loss)) failures.Add($"MSE: ours {ours.Loss:R}, theirs {loss:R}");
        Assert.True(failures.Count == 0, $"{fixture}: the walkthrough's values differ from PyTorch's:\n{string.Join("\n", failures)}");
    }

    /// <summary>
    /// Runs the fixture's command through <see cref="Functional.Shell.Cli.RunAsync"/> with <c>--log</c> (and <c>--out</c>
    /// where the command writes files) and asserts that our events match the fixture's. Returns the fixture and our stdout.
    /// </summary>
    private (RunLog Reference, string Stdout) Matches(string fixture, Tolerance tolerance)
    {
        var reference = ReadFixture(fixture);
        Assert.True(reference.Header is not null, $"{fixture}: no header line");
        var header = reference.Header!;
        Assert.True(header["reference"] is { ValueKind: JsonValueKind.True }, $"{fixture}: the header does not say \"reference\":true");
        var command = header["command"]!.Value.GetString()!;
        var exercise = header["exercise"]!.Value.GetString()!;
        var dir = ShellRunner.TempDir();
        try
        {
            var log = Path.Combine(dir, "log.jsonl");
            string[] args = [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--log", log,
                .. exercise == "perceptron" ? Array.Empty<string>() : ["--out", Path.Combine(dir, "out"), "--quiet"]];
            var run = ShellRunner.Run(args);
            Assert.True(run.ExitCode == 0, $"{fixture}: `{command}` exited {run.ExitCode}: {run.Stderr}");
            var ours = RunLog.Read(log);
            var comparison = LogComparison.Compare(ours, reference, tolerance);
            output.WriteLine($"{fixture}: `{command}` against {Versions(header)}, {reference.Events.Count} events");
            foreach (var (field, w) in comparison.Worst.OrderBy(w => w.Key, StringComparer.Ordinal))
                output.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0}: {1} values, worst relative difference {2:G3}{3}",
                    field, w.Count, w.Relative, w.Relative > 0 ? $" at {w.Where}" : ""));
            Assert.True(comparison.Failure is null, $"{fixture} (`{command}`): {comparison.Failure}");
            return (reference, run.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The fixture <paramref name="name"/> (<c>.jsonl</c> or <c>.jsonl.gz</c>).</summary>
    internal static RunLog ReadFixture(string name)
    {
        var path = new[] { ".jsonl", ".jsonl.gz" }.Select(ext => Path.Combine(Folder, name + ext)).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"no fixture {name}.jsonl(.gz) in {Folder}");
        return RunLog.Read(path!);
    }

    private static string Versions(LogLine header) =>
        header["versions"] is { } v && v.TryGetProperty("pytorch", out var torch) ? $"PyTorch {torch.GetString()}" : "the reference";
}

/// <summary>The numbers the <c>perceptron</c> command prints, read back from its console output.</summary>
internal sealed class PrintedWalkthrough
{
    private readonly string[] _lines;

    public PrintedWalkthrough(string stdout) => _lines = stdout.ReplaceLineEndings("\n").Split('\n');

    public int[] Shape(string param) => Ints(Bracket(Line($"  {param} [")));
    public double Elements => Number(Containing(" numbers in all; ").Trim().Split(' ')[0]);
    public double[] Bias => Numbers(Bracket(Containing(" numbers in all; fc.bias = ")));
    public int[] InputShape => Ints(Bracket(Line("  input  = ")));
    public int[] OutputShape => Ints(Bracket(Line("  output = sigmoid")));
    public double[] Output => Numbers(Line("  output = [["));
    public double[] Target => Numbers(After("  target = ", ") = "));
    public double Loss => Number(After("  MSE(output, target) = ", "= "));
    public double[] BiasGradient => Numbers(After("  after backprop", "): "));
    public int[] WeightGradientShape => Ints(Bracket(Line("  (and d loss / d fc.weight has shape")));
    public double[] ManualBias => Numbers(Lines("  fc.bias after = ").First());
    public double StepLoss => Number(After("  step 1: loss ", "loss ").Split(' ')[0]);
    public double[] OptimizerBias => Numbers(Lines("  fc.bias after = ").Skip(1).Single());

    /// <summary>0 for "identical bits", else the printed largest difference.</summary>
    public double LargestDifference
    {
        get
        {
            var line = Line("manual update and optimizer step give the same weights");
            if (line.Contains("identical bits")) return 0;
            var start = line.IndexOf("largest difference ", StringComparison.Ordinal) + "largest difference ".Length;
            return Number(line[start..line.IndexOf(':', start)]);
        }
    }

    private IEnumerable<string> Lines(string prefix) => _lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private string Line(string prefix) =>
        Lines(prefix).FirstOrDefault() ?? throw new InvalidOperationException($"the perceptron printed no line starting '{prefix}'");

    private string Containing(string text) =>
        _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) ?? throw new InvalidOperationException($"the perceptron printed no line containing '{text}'");

    private string After(string prefix, string marker)
    {
        var line = Line(prefix);
        return line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
    }

    private static string Bracket(string line) => line[line.LastIndexOf('[')..(line.LastIndexOf(']') + 1)];

    private static int[] Ints(string bracketed) => [.. Numbers(bracketed).Select(v => (int)v)];

    private static double Number(string text) => double.Parse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double[] Numbers(string text) =>
        [.. System.Text.RegularExpressions.Regex.Matches(text, @"-?\d+(\.\d+)?(E[-+]?\d+)?").Select(m => Number(m.Value))];
}
