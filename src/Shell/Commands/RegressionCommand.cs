using System.Diagnostics;
using Functional.Training.Data;

namespace Functional.Shell.Commands;

/// <summary><c>regression</c>: curve fitting, overfitting and weight decay on y = sin(cos(x²)) + noise.</summary>
internal static class RegressionCommand
{
    /// <summary>A curve fit, and the weight decay of a second run to compare it with (null for a single run).</summary>
    private sealed record Options(RegressionOptions Fit, double? CompareWeightDecay);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new RegressionOptions();
        var (common, flags) = CommonOptions.Of("regression", defaults.Seed, defaults.Epochs, defaults.Lr);
        var preset = flags.Add(new Option<string>("--preset")
        {
            Description = $"A tutorial run: {string.Join("|", Regression.Presets.Keys)} (fit = the defaults; split = fit + --split 0.8; decay = split + --weight-decay 1e-3; "
                          + "loader = the DataLoader section: 2000 points, --split 0.8, 1-50-1 relu, adam 1e-3, shuffled batches of 64, validation over test batches of 64, 2000 epochs). Other options override it",
            DefaultValueFactory = _ => "fit",
        }, "Preset");
        var points = flags.Add(new Option<int>("--points") { Description = $"Number of points on linspace(-3, 3), 2 to {Limits.Points}", DefaultValueFactory = _ => defaults.Points },
            nameof(RegressionOptions.Points));
        var hidden = flags.Add(new Option<int>("--hidden") { Description = $"Hidden width, 1 to {Limits.Width}", DefaultValueFactory = _ => defaults.Hidden }, nameof(RegressionOptions.Hidden));
        var activation = flags.Add(new Option<string>("--activation") { Description = $"Hidden activation: {string.Join("|", RegressionOptions.Activations)}", DefaultValueFactory = _ => defaults.Activation },
            nameof(RegressionOptions.Activation));
        var optimizer = flags.Add(new Option<string>("--optimizer") { Description = string.Join("|", Regression.Optimizers), DefaultValueFactory = _ => defaults.Optimizer },
            nameof(RegressionOptions.Optimizer));
        var split = flags.Add(new Option<double>("--split") { Description = "Train on this first fraction of the points and validate on the rest every epoch (e.g. 0.8)" },
            nameof(RegressionOptions.Split));
        var splitMode = flags.Add(new Option<string>("--split-mode") { Description = "sequential (the tutorial's: the test part is extrapolation) or random", DefaultValueFactory = _ => "sequential" },
            nameof(RegressionOptions.SplitMode));
        var weightDecay = flags.Add(new Option<double>("--weight-decay")
        {
            Description = $"L2 weight decay of the optimizer, 0 to {Limits.Float32Number.ToString("0e0", Inv)} (the tutorial compares 1e-3 against none)",
            DefaultValueFactory = _ => defaults.WeightDecay,
        }, nameof(RegressionOptions.WeightDecay));
        var batchSize = flags.Add(new Option<int>("--batch-size")
        {
            Description = "Mini-batches of this size through a shuffled DataLoader every epoch, and validation over test batches of this size (default: full batch)",
        }, nameof(RegressionOptions.BatchSize));
        var compare = flags.Add(new Option<double>("--compare-weight-decay")
        {
            Description = "Also train with this weight decay and overlay both validation losses (implies --split 0.8 unless given)",
        }, nameof(Options.CompareWeightDecay));
        return ExerciseRunner.Command("regression", "Fit y = sin(cos(x²)) + noise with a 1-20-1 ELU network and Adam; --split shows overfitting, --weight-decay its cure",
            flags, common, r =>
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

    /// <summary>One run's record for the summary and the plots.</summary>
    private sealed record Trace(RegressionOptions Options, List<double> Train, List<double> Val, float[] Fit, double FinalTrain, double? FinalVal, Finished Finished, TimeSpan Time);

    /// <summary>The fit, then (with --compare-weight-decay) the same fit with the other weight decay, on the same data.</summary>
    private sealed class Run(RegressionOptions o, double? compareWith, RunContext context) : IExerciseRun
    {
        private readonly Prepared<Trainer, RegressionData> _first = Regression.Prepare(o); // the data: the same for every run of a comparison
        private readonly List<Trace> _traces = [];
        private readonly List<IDisposable> _more = [];
        private (RegressionOptions Options, Prepared<Trainer, RegressionData> Setup, List<double> Train, List<double> Val, Stopwatch Clock)? _current;

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

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (e is not EpochEvent ep || _current is not { } c) return;
            c.Train.Add(ep.Loss);
            if (ep.ValLoss is { } v) c.Val.Add(v);
            progress(ep.Epoch, string.Format(Inv, "loss {0:G5}", ep.Loss) + (ep.ValLoss is { } vl ? string.Format(Inv, "  val {0:G5}", vl) : ""));
            if (ep.Epoch % 100 == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs)
                context.Console.Progress.WriteLine(string.Format(Inv, "epoch {0,5}/{1}  loss {2:F6}", ep.Epoch, o.Epochs, ep.Loss)
                                                   + (ep.ValLoss is { } x ? string.Format(Inv, "  val loss {0:F6}", x) : ""));
        }

        public void Stopped(Trained trained)
        {
            var (run, s, train, val, clock) = _current!.Value;
            clock.Stop();
            var d = s.Data;
            var p = trained.Final.Params;
            var finalTrain = Regression.LossValue(s.Trainer, p, d.XTrain, d.YTrain);
            double? finalVal = d.XTest is not null ? Regression.LossValue(s.Trainer, p, d.XTest, d.YTest!) : null;
            _traces.Add(new Trace(run, train, val, Regression.Predict(s, p), finalTrain, finalVal, trained.Result.Finished, clock.Elapsed));
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            Summarise(_traces, context.Console.Summary);
            var plots = Plot(_first, _traces, context.Output.OutDir!, o);
            context.Console.Summary.WriteLine();
            context.Console.Summary.WriteLine($"plots: {string.Join(", ", plots)}");
        }

        public void Dispose()
        {
            foreach (var setup in _more) setup.Dispose();
            _first.Dispose();
        }
    }

    private static void Summarise(List<Trace> traces, TextWriter stdout)
    {
        stdout.WriteLine();
        foreach (var t in traces)
        {
            var epochs = t.Train.Count;
            var line = string.Format(Inv, "{0}{1} epochs in {2:F1} s ({3:F2} ms/epoch): train loss {4:F6}",
                traces.Count > 1 ? $"weight decay {t.Options.WeightDecay.ToString(Inv)}: " : "", epochs, t.Time.TotalSeconds,
                t.Time.TotalMilliseconds / Math.Max(1, epochs), t.FinalTrain);
            if (t.FinalVal is { } v)
            {
                var best = t.Val.Count > 0 ? t.Val.Min() : v;
                var bestEpoch = t.Val.IndexOf(best) + 1;
                line += string.Format(Inv, ", validation loss {0:F6} ({1:F1}× the training loss; lowest {2:F6} at epoch {3})", v, v / t.FinalTrain, best, bestEpoch);
            }
            stdout.WriteLine(line);
        }
        var main = traces[0];
        if (main.FinalVal is { } mv && main.Options.SplitMode == SplitMode.Sequential)
            stdout.WriteLine(mv > 3 * main.FinalTrain
                ? "the network fits the training range but not the extrapolated end: the validation loss is far above the training loss (overfitting the seen range)"
                : "the validation loss stays near the training loss");
    }

    private static List<string> Plot(Prepared<Trainer, RegressionData> setup, List<Trace> traces, string dir, RegressionOptions o)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        var s = setup.Data;
        var x = Values(s.X);
        var seed = $"seed {o.Seed}";

        var fit = new List<Series>();
        if (s.XTest is null) fit.Add(new Series("data", Values(s.XTrain), Values(s.YTrain)) { Points = true, Color = "#1f77b4", MarkerSize = 3 });
        else
        {
            fit.Add(new Series("train points", Values(s.XTrain), Values(s.YTrain)) { Points = true, Color = "#1f77b4", MarkerSize = 3 });
            fit.Add(new Series("test points", Values(s.XTest), Values(s.YTest!)) { Points = true, Color = "#ff7f0e", MarkerSize = 3 });
        }
        fit.Add(new Series("sin(cos(x²))", x, x.Select(v => Math.Sin(Math.Cos(v * v))).ToArray()) { Color = "#7f7f7f", LineWidth = 1.5f, Dashed = true });
        string[] fitColors = ["#d62728", "#2ca02c"];
        for (var i = 0; i < traces.Count; i++)
            fit.Add(new Series(traces.Count > 1 ? $"fit, weight decay {traces[i].Options.WeightDecay.ToString(Inv)}" : "network fit", x, [.. traces[i].Fit.Select(v => (double)v)]) { Color = fitColors[i % 2], LineWidth = 2.5f });
        written.Add(Save(dir, "fit.png", p => Charts.Save(p, $"Curve fit after {traces[0].Train.Count} epochs ({seed})", "x", "y", fit, legend: ScottPlot.Alignment.LowerLeft)));

        var loss = new List<Series>();
        string[] trainColors = ["#1f77b4", "#9467bd"];
        string[] valColors = ["#ff7f0e", "#2ca02c"];
        for (var i = 0; i < traces.Count; i++)
        {
            var t = traces[i];
            var suffix = traces.Count > 1 ? $", weight decay {t.Options.WeightDecay.ToString(Inv)}" : "";
            loss.Add(new Series("training loss" + suffix, Epochs(t.Train.Count), [.. t.Train]) { Color = trainColors[i % 2] });
            if (t.Val.Count > 0) loss.Add(new Series("validation loss" + suffix, Epochs(t.Val.Count), [.. t.Val]) { Color = valColors[i % 2] });
        }
        written.Add(Save(dir, "loss.png", p => Charts.Save(p, $"MSE per epoch ({seed})", "epoch", "MSE (log scale)", loss, logY: true)));

        if (traces.Count > 1)
        {
            var compare = traces.Select((t, i) => new Series($"validation loss, weight decay {t.Options.WeightDecay.ToString(Inv)}", Epochs(t.Val.Count), [.. t.Val]) { Color = valColors[i % 2] });
            written.Add(Save(dir, "weight-decay.png", p => Charts.Save(p, $"Validation loss with and without weight decay ({seed})", "epoch", "validation MSE (log scale)", compare, logY: true, legend: ScottPlot.Alignment.LowerRight)));
        }
        return written;
    }

    private static string Save(string dir, string name, Action<string> save)
    {
        var path = Path.Combine(dir, name);
        save(path);
        return path;
    }

    private static double[] Epochs(int n) => [.. Enumerable.Range(1, n).Select(i => (double)i)];

    private static double[] Values(TorchSharp.torch.Tensor t)
    {
        using var c = t.detach().to(TorchSharp.torch.ScalarType.Float64).reshape(-1);
        return c.data<double>().ToArray();
    }
}
