using Functional.Training.Data;
using Functional.Shell.Verdicts;

namespace Functional.Shell.Commands;

/// <summary><c>xor</c>: the XOR tutorial's run — noisy XOR batches, a 2-2-1 network, MSE, SGD.</summary>
internal static class XorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new XorOptions();
        var command = new ExerciseCommand("xor", "The XOR tutorial: noisy XOR batches of 10, a 2-2-1 network, MSE and SGD; test loss and accuracy per epoch ("
                                                 + XorVerdict.AccuracyMeaning + ": an output that rounds to neither class counts wrong, so it can fall below 50 %)", d.Seed, d.Epochs, d.Lr);
        var activation = command.Flags.Add(nameof(d.Activation), "--activation", $"Hidden activation: {string.Join("|", XorOptions.Activations)}", d.Activation, "-a");
        var init = command.Flags.Add(nameof(d.Init), "--init", "Init: default (PyTorch's Linear init) | uniform (U(-1,1) for every parameter)", d.Init);
        var center = command.Flags.AddWithoutDefault<bool>(nameof(d.Center), "--center", "Map inputs and targets from {0,1} to {-1,1}");
        var hidden = command.Flags.Add(nameof(d.Hidden), "--hidden", $"Hidden width, 1 to {Limits.Width}", d.Hidden);
        var inputs = command.Flags.Add(nameof(d.Inputs), "--inputs", $"Input bits, 1 to {Limits.ParityInputs}; the target is their parity (2 = XOR). "
                                                                     + "Each sample draws N randint(0,1) bits, then N input noises, then the target noise", d.Inputs);
        var data = command.Flags.Add(DataOption(), nameof(d.Data));
        var common = command.Common;
        return ExerciseRunner.Command(command,
            r => new XorOptions(r.GetValue(activation)!.ToLowerInvariant(), r.GetValue(init)!.ToLowerInvariant(), r.GetValue(center),
                r.GetValue(common.Lr), r.GetValue(common.Epochs!), r.GetValue(hidden), r.GetValue(inputs), r.GetValue(common.Seed), ParseData(r.GetValue(data)!)).Validate(),
            (o, context) => new Run(o, context), stdout, stderr);
    }

    /// <summary>The data streams by their <c>--data</c> names.</summary>
    private static readonly IReadOnlyDictionary<string, XorDataStream> DataStreams = new Dictionary<string, XorDataStream>
    {
        ["python"] = XorDataStream.Python,
        ["torch"] = XorDataStream.Torch,
    };

    /// <summary>The <c>--data</c> option (shared with <c>xor-experiments</c>), to bind to the options record's <c>Data</c>.</summary>
    internal static Option<string> DataOption() => new("--data")
    {
        Description = "Where the data come from: python = the tutorial's cell (Python's random.seed(seed), 3 demo batches, then 500 train "
                      + "and 50 test; the init from torch.manual_seed(seed)) | torch = torch.randint/torch.rand under torch.manual_seed(seed), the init after them",
        DefaultValueFactory = _ => "python",
    };

    /// <summary>The stream a <c>--data</c> value names; anything else is an <see cref="OptionError"/> for <c>Data</c>.</summary>
    internal static XorDataStream ParseData(string name) => DataStreams[Require.OneOf(nameof(XorOptions.Data), name.ToLowerInvariant(), DataStreams.Keys)];

    /// <summary>The <c>--data</c> name of a stream.</summary>
    internal static string DataName(XorDataStream stream) => DataStreams.Single(kv => kv.Value == stream).Key;

    // The lines every 100 batches are the progress display (a live bar on stderr would garble them).
    private sealed class Run(XorOptions o, RunContext context) : IExerciseRun
    {
        private readonly Prepared<Trainer, XorSets> _setup = Xor.Prepare(o);
        private readonly List<double> _stepLosses = [];
        private readonly List<EpochEvent> _epochs = [];
        private double _window;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            var t = _setup.Trainer;
            context.Console.Progress.WriteLine($"xor: network {t.Spec}, init {o.Init}{(o.Center ? ", centered {-1,1}" : "")}, {t.Loss.Name}, "
                                               + $"{t.Optimizer}, {o.Epochs} epochs of {Xor.TrainBatches} batches of {Xor.BatchSize}, seed {o.Seed}, data {DataName(o.Data)}");
            yield return Stage.Of("xor", _setup, o.MustMatchOnResume());
        }

        public void Recall(TrainEvent e)
        {
            switch (e)
            {
                case StepEvent s:
                    _stepLosses.Add(s.Loss);
                    // The window of the next progress line is the batches since the last one, the recalled ones included.
                    _window = (s.Batch + 1) % 100 == 0 ? 0 : _window + s.Loss;
                    break;
                case EpochEvent ep:
                    _epochs.Add(ep);
                    break;
            }
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            switch (e)
            {
                case StepEvent s:
                    _stepLosses.Add(s.Loss);
                    _window += s.Loss;
                    if ((s.Batch + 1) % 100 == 0)
                    {
                        context.Console.Progress.WriteLine($"epoch {s.Epoch.ToString(Inv).PadLeft(o.Epochs.ToString(Inv).Length)}/{o.Epochs}  batch {s.Batch + 1,3}/{Xor.TrainBatches}  "
                                                           + $"train loss {Say.Loss(_window / 100)} (mean of its last 100 batches)");
                        _window = 0;
                    }
                    break;
                case EpochEvent ep:
                    _epochs.Add(ep);
                    context.Console.Progress.WriteLine(Say.EpochLine(ep.Epoch, o.Epochs, ep.Loss, ep.ValLoss, ep.Accuracy));
                    break;
            }
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var (stdout, output) = (context.Console.Summary, context.Output);
            var last = _epochs.LastOrDefault();
            var losses = _epochs.Select(e => e.Loss).ToList();
            var rounded = Xor.RoundedOutputs(_setup.Trainer.Spec, trained[0].Final.Params, _setup.Data.Test, o.Center);
            var summary = new XorSummary(o.Activation, o.Center, o.Inputs, last?.Epoch ?? 0, last?.Accuracy ?? double.NaN, last?.ValLoss ?? double.NaN,
                _epochs.FirstOrDefault(e => e.Accuracy >= 1.0)?.Epoch, Xor.TestBatches * Xor.BatchSize, [.. Functional.Training.Analysis.Curves.PlateauEnds(losses)], XorVerdict.FlatAtEnd(losses),
                [rounded.Low, rounded.High, rounded.Neither], HighShare(_setup.Data.Test));
            output.WriteRaw(Summaries.Event(summary));
            stdout.WriteLine();
            foreach (var line in XorVerdict.Lines(summary)) stdout.WriteLine(line);
            var spec = _setup.Trainer.Spec;
            var run = RunLabel(o);
            var charts = new List<(string Path, Chart Chart)>();
            if (output.OutFile("xor-loss.png") is { } lossPng)
                charts.Add((lossPng, LossChart(run, _stepLosses, [.. _epochs.Select(e => e.ValLoss ?? double.NaN)])));
            if (o.Inputs == 2 && output.OutFile("xor-surface.png") is { } surfacePng)
            {
                var (lo, hi) = o.Center ? (-1.5, 1.6) : (-0.5, 1.6);
                var surface = Xor.Surface(spec, trained[0].Final.Params, lo, hi, 121);
                var points = Xor.TestPoints(_setup.Data.Test);
                charts.Add((surfacePng, SurfaceChart(run, o.Center, new Grid(surface.Z, surface.Xs[0], surface.Xs[^1], surface.Ys[0], surface.Ys[^1]), points)));
            }
            Charts.SaveAll(charts);
            var written = charts.Select(c => c.Path).ToList();
            if (trained[0].Result.CheckpointPath is { } saved) written.Add(saved);
            if (output.OutDir is { } folder && written.Count > 0) stdout.WriteLine(Say.Wrote(folder, written));
        }

        public void Dispose() => _setup.Dispose();
    }

    // The share of test samples whose clean target is the high class (1).
    private static double HighShare(XorBatches test)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return test.Targets.round().eq(1).to(TorchSharp.torch.ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Which run made a plot: the exercise, its key options and its seed.</summary>
    internal static string RunLabel(XorOptions o) =>
        $"xor: {o.Inputs}-{o.Hidden}-1 {o.Activation}, init {o.Init}{(o.Center ? ", centered" : "")}, sgd lr {o.Lr.ToString(Inv)}, {o.Epochs} epochs, seed {o.Seed}, data {DataName(o.Data)}";

    /// <summary>The batches a moving average of the per-batch loss spans.</summary>
    internal const int AverageWindow = 100;

    /// <summary>
    /// The loss per batch (faint: 500 a epoch make a band), its moving average over <see cref="AverageWindow"/> batches
    /// (the trend), and the test loss after each epoch, on a log axis.
    /// </summary>
    internal static Chart LossChart(string run, IReadOnlyList<double> stepLosses, IReadOnlyList<double> testLosses)
    {
        var x = Enumerable.Range(1, stepLosses.Count).Select(i => (double)i).ToArray();
        return new Chart($"Training loss per batch\n{run}", "batch", "MSE loss (log scale)",
        [
            new Series("loss per batch", x, [.. stepLosses]) { Color = "#9ecae1", LineWidth = 1 },
            new Series($"moving average over {AverageWindow} batches", x, Charts.MovingAverage(stepLosses, AverageWindow)) { Color = "#08519c", LineWidth = 2.5f },
            new Series("test loss after each epoch", [.. Enumerable.Range(1, testLosses.Count).Select(e => (double)e * Xor.TrainBatches)], [.. testLosses])
                { Color = "#d62728", LineWidth = 2 },
        ]) { LogY = true };
    }

    /// <summary>
    /// The network's output over the input plane, with a labelled colour bar, the contours where it rounds to another
    /// class (0.5 for {0, 1} targets; −0.5 and 0.5 for centred {−1, 1} ones), and the test points by class.
    /// </summary>
    internal static Chart SurfaceChart(string run, bool center, Grid surface, (double[] X0, double[] Y0, double[] X1, double[] Y1) points) =>
        new($"Decision surface: the network's output over the input plane\n{run}", "x1", "x2",
        [
            new Series("test target ≈ " + (center ? "−1" : "0"), points.X0, points.Y0) { Points = true, Color = "#e41a1c", MarkerSize = 5 },
            new Series("test target ≈ 1", points.X1, points.Y1) { Points = true, Color = "#000000", MarkerSize = 5 },
        ])
        {
            Heat = new Heat(surface, "network output", center ? [-0.5, 0.5] : [0.5]) { ContourColor = "#ff00ff" },
            Height = 760,
        };
}
