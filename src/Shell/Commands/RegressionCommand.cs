using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Functional.Shell.Rendering;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;

namespace Functional.Shell.Commands;

/// <summary><c>regression</c>: curve fitting, overfitting and weight decay on y = sin(cos(x²)) + noise.</summary>
internal static class RegressionCommand
{
    /// <summary>Where plots go when <c>--out</c> is not given (the repository ignores <c>/runs/</c>).</summary>

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new RegressionOptions();
        var common = new CommonOptions("regression", defaults.Seed, defaults.Epochs, defaults.Lr);
        var preset = new Option<string>("--preset") { Description = $"A tutorial run: {string.Join("|", Regression.Presets.Keys)} (fit = the defaults; split = fit + --split 0.8; decay = split + --weight-decay 1e-3; loader = the DataLoader section: 2000 points, --split 0.8, 1-50-1 relu, adam 1e-3, shuffled batches of 64, validation over test batches of 64, 2000 epochs). Other options override it", DefaultValueFactory = _ => "fit" };
        var points = new Option<int>("--points") { Description = "Number of points on linspace(-3, 3)", DefaultValueFactory = _ => defaults.Points };
        var hidden = new Option<int>("--hidden") { Description = "Hidden width", DefaultValueFactory = _ => defaults.Hidden };
        var activation = new Option<string>("--activation") { Description = "Hidden activation: relu|sigmoid|tanh|elu|identity", DefaultValueFactory = _ => defaults.Activation };
        var optimizer = new Option<string>("--optimizer") { Description = "adam|sgd", DefaultValueFactory = _ => defaults.Optimizer };
        var split = new Option<double>("--split") { Description = "Train on this first fraction of the points and validate on the rest every epoch (e.g. 0.8)" };
        var splitMode = new Option<string>("--split-mode") { Description = "sequential (the tutorial's: the test part is extrapolation) or random", DefaultValueFactory = _ => "sequential" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay of the optimizer (the tutorial compares 1e-3 against none)", DefaultValueFactory = _ => defaults.WeightDecay };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batches of this size through a shuffled DataLoader every epoch, and validation over test batches of this size (default: full batch)" };
        var compare = new Option<double>("--compare-weight-decay") { Description = "Also train with this weight decay and overlay both validation losses (implies --split 0.8 unless given)" };
        var command = new Command("regression", "Fit y = sin(cos(x²)) + noise with a 1-20-1 ELU network and Adam; --split shows overfitting, --weight-decay its cure");
        common.AddTo(command);
        foreach (var o in new Option[] { preset, points, hidden, activation, optimizer, split, splitMode, weightDecay, batchSize, compare })
            command.Options.Add(o);
        command.SetAction((r, cancel) =>
        {
            bool Given(Option o) => r.GetResult(o) is { Implicit: false };
            var o = Regression.Preset(r.GetValue(preset)!);
            if (Given(common.Seed)) o = o with { Seed = r.GetValue(common.Seed) };
            if (Given(common.Epochs)) o = o with { Epochs = r.GetValue(common.Epochs) };
            if (Given(common.Lr)) o = o with { Lr = r.GetValue(common.Lr) };
            if (Given(points)) o = o with { Points = r.GetValue(points) };
            if (Given(hidden)) o = o with { Hidden = r.GetValue(hidden) };
            if (Given(activation)) o = o with { Activation = r.GetValue(activation)!.ToLowerInvariant() };
            if (Given(optimizer)) o = o with { Optimizer = r.GetValue(optimizer)!.ToLowerInvariant() };
            if (Given(split)) o = o with { Split = r.GetValue(split) };
            if (Given(splitMode)) o = o with { SplitMode = ParseSplitMode(r.GetValue(splitMode)!) };
            if (Given(weightDecay)) o = o with { WeightDecay = r.GetValue(weightDecay) };
            if (Given(batchSize)) o = o with { BatchSize = r.GetValue(batchSize) };
            double? compareWith = Given(compare) ? r.GetValue(compare) : null;
            if (compareWith is { } c)
            {
                if (!(c >= 0) || double.IsInfinity(c)) throw new ArgumentException($"--compare-weight-decay must be a number ≥ 0, got {c}");
                if (c == o.WeightDecay) throw new ArgumentException($"--compare-weight-decay {c} equals the run's own --weight-decay: nothing to compare");
                o = o with { Split = o.Split ?? 0.8 };
            }
            o.Validate();
            var session = common.Session(r);
            if (compareWith is not null && session.Resume is not null)
                throw new UsageException("--resume continues a single run; it cannot be combined with --compare-weight-decay");
            using var output = common.Output(r);
            return Task.FromResult(Run(o, compareWith, session, output, r.GetValue(common.Quiet), CommonOptions.RepeatCommand(r), stdout, stderr, cancel));
        });
        return command;
    }

    private static SplitMode ParseSplitMode(string name) => name.ToLowerInvariant() switch
    {
        "sequential" => SplitMode.Sequential,
        "random" => SplitMode.Random,
        _ => throw new ArgumentException($"unknown --split-mode '{name}' (expected sequential or random)"),
    };

    /// <summary>One run's record for the summary and the plots.</summary>
    private sealed record Trace(RegressionOptions Options, List<double> Train, List<double> Val, float[] Fit, double FinalTrain, double? FinalVal, Finished Finished, TimeSpan Time, int ExitCode);

    internal static int Run(RegressionOptions o, double? compareWith, SessionOptions session, RunOutput output, bool quiet, string repeat, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var runs = new List<RegressionOptions> { o };
        if (compareWith is { } wd) runs.Add(o with { WeightDecay = wd });
        var traces = new List<Trace>();
        using var first = Regression.Prepare(o); // the data: the same for every run of a comparison
        stdout.WriteLine($"regression: y = sin(cos(x²)) + {RegressionOptions.Noise.ToString(Inv)}·N(0,1) on {o.Points} points in [-3, 3], network {first.Trainer.Spec}, "
                         + $"{first.Trainer.Loss.Name}, {first.Trainer.Optimizer}, {o.Epochs} epochs, "
                         + (o.BatchSize is { } b ? $"batches of {b} (shuffled)" : "full batch") + $", seed {o.Seed}");
        if (o.Split is { } f)
            stdout.WriteLine($"split: {first.XTrain.shape[0]} train / {first.XTest!.shape[0]} test points, {(o.SplitMode == SplitMode.Sequential ? "sequential (the test points are the right end: extrapolation)" : "random")}");
        foreach (var run in runs)
        {
            using var setup = run == o ? null : Regression.Prepare(run);
            var s = setup ?? first;
            if (runs.Count > 1)
            {
                stdout.WriteLine();
                stdout.WriteLine($"-- run with weight decay {run.WeightDecay.ToString(Inv)} --");
                output.WriteRaw($"{{\"event\":\"run\",\"weight_decay\":{RunOutput.Json(run.WeightDecay)}}}");
            }
            // The comparison's second run checkpoints under its own name and always starts fresh.
            var exercise = run == o ? "regression" : "regression-compare";
            var part = new Part(runs.Count > 1 ? traces.Count + 1 : null, traces.Sum(t => t.Finished.State.Step));
            var trace = Train(s, run, exercise, part, run == o ? session : session with { Resume = null }, output, quiet, repeat, stdout, stderr, cancel);
            traces.Add(trace);
            if (trace.Finished.Reason is not StopReason.Completed) break;
        }

        Summarise(traces, stdout);
        var plots = Plot(first, traces, output.OutDir!, o);
        stdout.WriteLine();
        stdout.WriteLine($"plots: {string.Join(", ", plots)}");
        output.Commit();
        var code = traces[^1].ExitCode;
        foreach (var t in traces) t.Finished.State.Dispose();
        return code;
    }

    /// <summary>Which training of the run this is (null for a run of one) and the optimizer steps of those before it.</summary>
    private sealed record Part(int? Number, long StepsBefore);

    private static Trace Train(RegressionSetup s, RegressionOptions o, string exercise, Part part, SessionOptions session, RunOutput output, bool quiet, string repeat,
        TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var prepared = new ExerciseRun(exercise, s.Trainer, s.Initial, s.Plan, Session.OptionsOf(o, nameof(o.Epochs))) { Part = part.Number, StepOffset = part.StepsBefore };
        var run = Session.Resume(prepared, session, output, stdout);
        var train = new List<double>(o.Epochs);
        var val = new List<double>(o.Epochs);
        var clock = Stopwatch.StartNew();
        var result = Progress.Run(stderr, quiet, "regression", o.Epochs, "epochs", report =>
            Session.Train(run, session, output, stderr, repeat, "try a smaller --lr", e =>
            {
                if (e is not EpochEvent ep) return;
                train.Add(ep.Loss);
                if (ep.ValLoss is { } v) val.Add(v);
                var status = string.Format(Inv, "loss {0:G5}", ep.Loss) + (ep.ValLoss is { } vl ? string.Format(Inv, "  val {0:G5}", vl) : "");
                report(ep.Epoch, status);
                if (!quiet && (ep.Epoch % 100 == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs))
                    stdout.WriteLine(string.Format(Inv, "epoch {0,5}/{1}  loss {2:F6}", ep.Epoch, o.Epochs, ep.Loss)
                                     + (ep.ValLoss is { } x ? string.Format(Inv, "  val loss {0:F6}", x) : ""));
            }, cancel));
        clock.Stop();
        var finished = result.Finished;
        var p = finished.State.Params;
        var finalTrain = Regression.LossValue(s.Trainer, p, s.XTrain, s.YTrain);
        double? finalVal = s.XTest is not null ? Regression.LossValue(s.Trainer, p, s.XTest, s.YTest!) : null;
        return new Trace(o, train, val, Regression.Predict(s, p), finalTrain, finalVal, finished, clock.Elapsed, result.ExitCode);
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

    private static List<string> Plot(RegressionSetup s, List<Trace> traces, string dir, RegressionOptions o)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
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
