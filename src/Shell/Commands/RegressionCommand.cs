using System.Diagnostics;
using Functional.Training.Data;
using Functional.Shell.Verdicts;

namespace Functional.Shell.Commands;

/// <summary><c>regression</c>: curve fitting, overfitting and weight decay on y = sin(cos(x²)) + noise.</summary>
internal static class RegressionCommand
{
    /// <summary>A curve fit, and the weight decay of a second run to compare it with (null for a single run).</summary>
    private sealed record Options(RegressionOptions Fit, double? CompareWeightDecay);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new RegressionOptions();
        var command = new ExerciseCommand("regression", "Fit y = sin(cos(x²)) + noise with a 1-20-1 ELU network and Adam; --split holds out the right end (extrapolation), "
                                                        + "--weight-decay shrinks the weights", d.Seed, d.Epochs, d.Lr);
        var preset = command.Flags.Add("Preset", "--preset", $"A tutorial run: {string.Join("|", Regression.Presets.Keys)} (fit = the defaults; split = fit + --split 0.8; "
                                                             + "decay = split + --weight-decay 1e-3; loader = the DataLoader section: 2000 points, --split 0.8, 1-50-1 relu, "
                                                             + "adam 1e-3, shuffled batches of 64, validation over test batches of 64, 2000 epochs). Other options override it", "fit");
        var points = command.Flags.Add(nameof(d.Points), "--points", $"Number of points on linspace(-3, 3), 2 to {Limits.Points}", d.Points);
        var hidden = command.Flags.Add(nameof(d.Hidden), "--hidden", $"Hidden width, 1 to {Limits.Width}", d.Hidden);
        var activation = command.Flags.Add(nameof(d.Activation), "--activation", $"Hidden activation: {string.Join("|", RegressionOptions.Activations)}", d.Activation);
        var optimizer = command.Flags.Add(nameof(d.Optimizer), "--optimizer", string.Join("|", Regression.Optimizers), d.Optimizer);
        var split = command.Flags.AddWithoutDefault<double>(nameof(d.Split), "--split", "Train on this first fraction of the points and validate on the rest every epoch (e.g. 0.8)");
        var splitMode = command.Flags.Add(nameof(d.SplitMode), "--split-mode", "sequential (the tutorial's: the test part is extrapolation) or random", "sequential");
        var weightDecay = command.Flags.Add(nameof(d.WeightDecay), "--weight-decay",
            $"L2 weight decay of the optimizer, 0 to {Limits.Float32Number.ToString("0e0", Inv)} (the tutorial compares 1e-3 against none). "
            + "It pulls the weights toward 0 (smaller weights, a smoother fit); it cannot fix the sequential split, whose held-out points x in (1.8, 3] "
            + "are extrapolation: compare on --split-mode random", d.WeightDecay);
        var batchSize = command.Flags.AddWithoutDefault<int>(nameof(d.BatchSize), "--batch-size",
            "Mini-batches of this size through a shuffled DataLoader every epoch, and validation over test batches of this size (default: full batch)");
        var compare = command.Flags.AddWithoutDefault<double>(nameof(Options.CompareWeightDecay), "--compare-weight-decay",
            "Also train with this weight decay on the same data and compare: validation losses, weight norms, fits (implies --split 0.8 unless given)");
        var common = command.Common;
        return ExerciseRunner.Command(command, r =>
            {
                bool Given(Option o) => r.GetResult(o) is { Implicit: false };
                var o = Regression.Preset(r.GetValue(preset)!);
                if (Given(common.Seed)) o = o with { Seed = r.GetValue(common.Seed) };
                if (Given(common.Epochs!)) o = o with { Epochs = r.GetValue(common.Epochs!) };
                if (Given(common.Lr)) o = o with { Lr = r.GetValue(common.Lr) };
                if (Given(points)) o = o with { Points = r.GetValue(points) };
                if (Given(hidden)) o = o with { Hidden = r.GetValue(hidden) };
                if (Given(activation)) o = o with { Activation = r.GetValue(activation)!.ToLowerInvariant() };
                if (Given(optimizer)) o = o with { Optimizer = r.GetValue(optimizer)!.ToLowerInvariant() };
                if (Given(split)) o = o with { Split = r.GetValue(split) };
                if (Given(splitMode)) o = o with { SplitMode = ParseSplitMode(r.GetValue(splitMode)!) };
                if (Given(weightDecay)) o = o with { WeightDecay = r.GetValue(weightDecay) };
                if (Given(batchSize)) o = o with { BatchSize = r.GetValue(batchSize) };
                double? compareWith = Given(compare) ? Require.NonNegativeNumber(nameof(Options.CompareWeightDecay), r.GetValue(compare)) : null;
                if (compareWith is { } c)
                {
                    if (c == o.WeightDecay)
                        throw new OptionError(nameof(Options.CompareWeightDecay), c, $"another weight decay than the run's own {o.WeightDecay.ToString(Inv)}");
                    if (r.GetValue(common.Resume!) is not null)
                        throw new UsageException("--resume continues a single run; it cannot be combined with --compare-weight-decay");
                    o = o with { Split = o.Split ?? 0.8 };
                }
                return new Options(o.Validate(), compareWith);
            },
            (o, context) => new Run(o.Fit, o.CompareWeightDecay, context), stdout, stderr);
    }

    private static readonly IReadOnlyDictionary<string, SplitMode> SplitModes = new Dictionary<string, SplitMode>
    {
        ["sequential"] = SplitMode.Sequential,
        ["random"] = SplitMode.Random,
    };

    private static SplitMode ParseSplitMode(string name) => SplitModes[Require.OneOf(nameof(RegressionOptions.SplitMode), name.ToLowerInvariant(), SplitModes.Keys)];

    /// <summary>One training's record for the summary and the plots: its options, per-epoch losses, the fit at every point, and its results.</summary>
    private sealed record Trace(RegressionOptions Options, List<double> Train, List<double> Val, float[] Fit, FitRun Result, TimeSpan Time);

    /// <summary>The fit, then (with --compare-weight-decay) the same fit with the other weight decay, on the same data.</summary>
    private sealed class Run(RegressionOptions o, double? compareWith, RunContext context) : IExerciseRun
    {
        private readonly Prepared<Trainer, RegressionData> _first = Regression.Prepare(o); // the data: the same for every run of a comparison
        private readonly List<Trace> _traces = [];
        private readonly List<IDisposable> _more = [];
        private (RegressionOptions Options, Prepared<Trainer, RegressionData> Setup, List<double> Train, List<double> Val, Stopwatch Clock)? _current;
        private readonly List<double> _epochSteps = []; // the step losses of the epoch under way

        public ProgressBar Bar => new("regression", o.Epochs, "epochs");

        public bool ReportsStoppedRuns => true;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            var (console, d, t) = (context.Console.Progress, _first.Data, _first.Trainer);
            console.WriteLine($"regression: y = sin(cos(x²)) + {RegressionOptions.Noise.ToString(Inv)}·N(0,1) on {o.Points} points in [-3, 3], network {t.Spec}, "
                              + $"{t.Loss.Name}, {t.Optimizer}, {o.Epochs} epochs, "
                              + (o.BatchSize is { } b ? $"batches of {b} (shuffled)" : "full batch") + $", seed {o.Seed}");
            if (o.Split is not null)
                console.WriteLine($"split: {d.XTrain.shape[0]} train / {d.XTest!.shape[0]} test points, {(o.SplitMode == SplitMode.Sequential ? "sequential (the test points are the right end: extrapolation)" : "random")}");
            List<RegressionOptions> runs = compareWith is { } wd ? [o, o with { WeightDecay = wd }] : [o];
            foreach (var run in runs)
            {
                if (runs.Count > 1)
                {
                    console.WriteLine();
                    console.WriteLine($"-- run with weight decay {run.WeightDecay.ToString(Inv)} --");
                    context.Output.WriteRaw($"{{\"event\":\"run\",\"weight_decay\":{RunOutput.Json(run.WeightDecay)}}}");
                }
                var setup = run == o ? _first : Regression.Prepare(run);
                if (setup != _first) _more.Add(setup);
                _current = (run, setup, [], [], Stopwatch.StartNew());
                // The comparison's second run checkpoints under its own name and always starts fresh.
                yield return Stage.Of(run == o ? "regression" : "regression-compare", setup, run.MustMatchOnResume()) with
                {
                    Resumes = run == o, Part = runs.Count > 1 ? _traces.Count + 1 : null,
                };
            }
        }

        public void Recall(TrainEvent e)
        {
            if (Count(e)) _recalled++;
        }

        private int _recalled; // epochs the log held when this process resumed the run (of the first training: the only one that resumes)

        // Keeps what the summary and the plots need: the epoch's step losses, each epoch's losses. True for an epoch.
        private bool Count(TrainEvent e)
        {
            if (e is StepEvent step)
            {
                if (step.Batch == 0) _epochSteps.Clear();
                _epochSteps.Add(step.Loss);
            }
            if (e is not EpochEvent ep || _current is not { } c) return false;
            c.Train.Add(ep.Loss);
            if (ep.ValLoss is { } v) c.Val.Add(v);
            return true;
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (!Count(e) || e is not EpochEvent ep) return;
            progress(ep.Epoch, $"train loss {Say.Number(ep.Loss, 5)}" + (ep.ValLoss is { } vl ? $"  validation loss {Say.Number(vl, 5)}" : ""));
            if (ep.Epoch % 100 == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs)
                context.Console.Progress.WriteLine(Say.EpochLine(ep.Epoch, o.Epochs, ep.Loss, ep.ValLoss, held: "validation"));
        }

        public void Stopped(Trained trained)
        {
            var (run, setup, train, val, clock) = _current!.Value;
            clock.Stop();
            var d = setup.Data;
            var p = trained.Final.Params;
            var fit = Regression.Predict(setup, p);
            var x = Values(d.X);
            var trainX = Values(d.XTrain);
            double? finalVal = d.XTest is not null ? Regression.LossValue(setup.Trainer, p, d.XTest, d.YTest!) : null;
            double? lowest = val.Count > 0 ? val.Min() : null;
            var result = new FitRun(run.WeightDecay, train.Count, train.Count > 0 ? train[^1] : double.NaN, Regression.LossValue(setup.Trainer, p, d.XTrain, d.YTrain), finalVal,
                lowest, lowest is { } l ? val.IndexOf(l) + 1 : null, RegressionVerdict.Norm(p.Flatten()),
                RegressionVerdict.Bending(x, [.. fit.Select(v => (double)v)], trainX.Min(), trainX.Max()), run.BatchSize is { } b ? (trainX.Length + b - 1) / b : 1,
                run.BatchSize is null ? null : RegressionVerdict.Spread(_epochSteps));
            _traces.Add(new Trace(run, train, val, fit, result, clock.Elapsed));
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var d = _first.Data;
            var trainX = Values(d.XTrain);
            var testX = d.XTest is null ? null : Values(d.XTest);
            var summary = new RegressionSummary(o.Activation, o.Points, trainX.Length, o.Split, o.SplitMode == SplitMode.Sequential ? "sequential" : "random", o.BatchSize,
                RegressionOptions.Noise, [trainX.Min(), trainX.Max()], testX is null ? null : [testX.Min(), testX.Max()], [.. _traces.Select(t => t.Result)]);
            // A stopped run still shows what it reached, but only a completed one has a summary in its log.
            if (trained.All(t => t.Completed)) context.Output.WriteRaw(Summaries.Event(summary));
            var stdout = context.Console.Summary;
            stdout.WriteLine();
            for (var i = 0; i < _traces.Count; i++)
            {
                // The time is this process's: a resumed training's epochs before the resume are not in it.
                var (t, before) = (_traces[i], i == 0 ? _recalled : 0);
                var now = t.Train.Count - before;
                stdout.WriteLine((_traces.Count > 1 ? $"weight decay {t.Options.WeightDecay.ToString(Inv)}: " : "")
                                 + $"{Say.Count(now, "epoch")} in {t.Time.TotalSeconds.ToString("F1", Inv)} s ({(t.Time.TotalMilliseconds / Math.Max(1, now)).ToString("F2", Inv)} ms/epoch)"
                                 + (before > 0 ? $", after {Say.Count(before, "epoch")} before the resume" : ""));
            }
            foreach (var line in RegressionVerdict.Lines(summary)) stdout.WriteLine(line);
            var folder = context.Output.OutDir!;
            var plots = Plot(_first, _traces, folder, o, compareWith);
            stdout.WriteLine(Say.Wrote(folder, [.. plots, .. trained.Select(t => t.Result.CheckpointPath).OfType<string>().TakeLast(1)]));
        }

        public void Dispose()
        {
            foreach (var setup in _more) setup.Dispose();
            _first.Dispose();
        }
    }

    /// <summary>Which run made a plot: the exercise, its key options and its seed (the second line of every title).</summary>
    internal static string RunLabel(RegressionOptions o, double? compareWith) =>
        $"regression: 1-{o.Hidden}-1 {o.Activation}, {o.Optimizer} lr {o.Lr.ToString(Inv)}, "
        + (o.Split is { } f ? $"split {f.ToString(Inv)} {(o.SplitMode == SplitMode.Sequential ? "sequential" : "random")}, " : "no split, ")
        + (compareWith is { } c ? $"weight decay {o.WeightDecay.ToString(Inv)} vs {c.ToString(Inv)}, " : o.WeightDecay > 0 ? $"weight decay {o.WeightDecay.ToString(Inv)}, " : "")
        + (o.BatchSize is { } b ? $"batches of {b}, " : "") + $"{o.Epochs} epochs, seed {o.Seed}";

    /// <summary>
    /// The fit: the data, each training's fitted curve, and the true curve drawn last (on top) in black; the title says
    /// which weight decay each fit had.
    /// </summary>
    internal static Chart FitChart(string run, double[] x, (double[] X, double[] Y) train, (double[] X, double[] Y)? test, IReadOnlyList<(double WeightDecay, double[] Fit)> fits, int epochs)
    {
        var series = new List<Series>
        {
            new(test is null ? "data" : "training points", train.X, train.Y) { Points = true, Color = "#6baed6", MarkerSize = 3 },
        };
        if (test is { } t) series.Add(new Series("held-out points", t.X, t.Y) { Points = true, Color = "#fdae6b", MarkerSize = 3 });
        string[] colors = ["#d62728", "#2ca02c"];
        for (var i = 0; i < fits.Count; i++)
            series.Add(new Series(fits.Count > 1 || fits[i].WeightDecay > 0 ? $"fit, weight decay {fits[i].WeightDecay.ToString(Inv)}" : "network fit", x, fits[i].Fit)
                { Color = colors[i % 2], LineWidth = 2.5f });
        series.Add(new Series("true curve sin(cos(x²))", x, [.. x.Select(v => Math.Sin(Math.Cos(v * v)))]) { Color = "#000000", LineWidth = 2, Dashed = true });
        var decay = fits.Count > 1 ? $", without and with weight decay {fits.Max(f => f.WeightDecay).ToString(Inv)}"
            : fits[0].WeightDecay > 0 ? $", with weight decay {fits[0].WeightDecay.ToString(Inv)}" : "";
        return new Chart($"Curve fit after {epochs} epochs{decay}\n{run}", "x", "y", series);
    }

    /// <summary>Training and validation loss per epoch of each training, on a log axis.</summary>
    internal static Chart LossChart(string run, IReadOnlyList<(double WeightDecay, IReadOnlyList<double> Train, IReadOnlyList<double> Val)> runs)
    {
        var series = new List<Series>();
        string[] trainColors = ["#1f77b4", "#9467bd"];
        string[] valColors = ["#ff7f0e", "#2ca02c"];
        for (var i = 0; i < runs.Count; i++)
        {
            var (wd, train, val) = runs[i];
            var suffix = runs.Count > 1 ? $", weight decay {wd.ToString(Inv)}" : "";
            series.Add(new Series("training loss" + suffix, Epochs(train.Count), [.. train]) { Color = trainColors[i % 2] });
            if (val.Count > 0) series.Add(new Series("validation loss" + suffix, Epochs(val.Count), [.. val]) { Color = valColors[i % 2] });
        }
        return new Chart($"MSE per epoch\n{run}", "epoch", "MSE (log scale)", series) { LogY = true };
    }

    private static List<string> Plot(Prepared<Trainer, RegressionData> setup, List<Trace> traces, string dir, RegressionOptions o, double? compareWith)
    {
        Directory.CreateDirectory(dir);
        var s = setup.Data;
        var run = RunLabel(o, compareWith);
        var fit = FitChart(run, Values(s.X), (Values(s.XTrain), Values(s.YTrain)), s.XTest is null ? null : (Values(s.XTest), Values(s.YTest!)),
            [.. traces.Select(t => (t.Options.WeightDecay, t.Fit.Select(v => (double)v).ToArray()))], traces[0].Train.Count);
        List<(string Path, Chart Chart)> charts =
        [
            (Path.Combine(dir, "fit.png"), fit),
            (Path.Combine(dir, "loss.png"), LossChart(run, [.. traces.Select(t => (t.Options.WeightDecay, (IReadOnlyList<double>)t.Train, (IReadOnlyList<double>)t.Val))])),
        ];
        if (traces.Count > 1)
        {
            string[] valColors = ["#ff7f0e", "#2ca02c"];
            var compare = traces.Select((t, i) => new Series($"validation loss, weight decay {t.Options.WeightDecay.ToString(Inv)}", Epochs(t.Val.Count), [.. t.Val]) { Color = valColors[i % 2] });
            charts.Add((Path.Combine(dir, "weight-decay.png"), new Chart($"Validation loss with and without weight decay\n{run}", "epoch", "validation MSE (log scale)", [.. compare]) { LogY = true }));
        }
        Charts.SaveAll(charts);
        return [.. charts.Select(c => c.Path)];
    }

    private static double[] Epochs(int n) => [.. Enumerable.Range(1, n).Select(i => (double)i)];

    private static double[] Values(TorchSharp.torch.Tensor t)
    {
        using var c = t.detach().to(TorchSharp.torch.ScalarType.Float64).reshape(-1);
        return c.data<double>().ToArray();
    }
}
