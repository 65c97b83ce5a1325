using Functional.Shell.Verdicts;
using static TorchSharp.torch;

namespace Functional.Shell.Commands;

/// <summary><c>blobs</c>: the Feedforward(2, 10) binary classifier on make_blobs data.</summary>
internal static class BlobsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new BlobClassifierOptions();
        var command = new ExerciseCommand("blobs", "A 2-10-1 network tells blob 0 from the others (make_blobs data, BCE, SGD), with the decision boundary plotted", d.Seed, d.Epochs, d.Lr);
        var hidden = command.Flags.Add(nameof(d.Hidden), "--hidden", $"Hidden width of Feedforward(2, hidden), 1 to {Limits.Width}", d.Hidden);
        var samples = command.Flags.Add(nameof(d.Samples), "--samples", $"Training points, 1 to {Limits.Samples}", d.Samples);
        var testSamples = command.Flags.Add(nameof(d.TestSamples), "--test-samples", $"Test points, 1 to {Limits.Samples}", d.TestSamples);
        var newCenters = command.Flags.AddWithoutDefault<bool>(nameof(d.SameCenters), "--new-test-centers",
            "Draw the test points around new random clusters, as the tutorial's second make_blobs call literally does (test accuracy then measures luck)");
        var common = command.Common;
        return ExerciseRunner.Command(command,
            r => new BlobClassifierOptions(r.GetValue(samples), r.GetValue(testSamples), r.GetValue(hidden), r.GetValue(common.Lr),
                r.GetValue(common.Epochs!), SameCenters: !r.GetValue(newCenters), Seed: r.GetValue(common.Seed)).Validate(),
            (o, context) => new Run(o, context), stdout, stderr);
    }

    private sealed class Run(BlobClassifierOptions o, RunContext context) : IExerciseRun
    {
        private readonly Prepared<Trainer, BlobSets> _setup = BlobClassifier.Prepare(o);
        private readonly List<double> _train = [];
        private readonly List<double> _test = [];
        private readonly int _every = o.Epochs <= 100 ? 1 : Format.ProgressInterval(o.Epochs);
        private Evaluation.OfModel? _before;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            var (t, d) = (_setup.Trainer, _setup.Data);
            context.Console.Progress.WriteLine($"blobs: {o.Samples} training and {o.TestSamples} test points (make_blobs: {o.Centers} centers in (-10, 10), std {o.ClusterStd.ToString(Inv)}; "
                                               + $"label 0 = cluster 0, 1 = the rest; test clusters {(o.SameCenters ? "= the training clusters" : "drawn anew, as the tutorial's literal second draw")}), "
                                               + $"network {t.Spec}, {t.Loss.Name}, {t.Optimizer}, {o.Epochs} epochs, seed {o.Seed}");
            _before = BlobClassifier.Evaluate(t, _setup.Initial.Params, d.Test.Points, d.TestLabels);
            context.Console.Progress.WriteLine($"before training: test loss {Say.Loss(_before.Loss ?? double.NaN)}  accuracy {Say.Percent(_before.Accuracy ?? double.NaN)}");
            yield return Stage.Of("blobs", _setup, o.MustMatchOnResume());
        }

        public void Recall(TrainEvent e)
        {
            if (e is not EpochEvent ep) return;
            _train.Add(ep.Loss);
            _test.Add(ep.ValLoss ?? double.NaN);
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (e is not EpochEvent ep) return;
            Recall(ep);
            if (ep.Epoch % _every == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs)
                context.Console.Progress.WriteLine(Say.EpochLine(ep.Epoch, o.Epochs, ep.Loss, ep.ValLoss, ep.Accuracy));
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var (stdout, t, d, final) = (context.Console.Summary, _setup.Trainer, _setup.Data, trained[0].Final);
            var after = BlobClassifier.Evaluate(t, final.Params, d.Test.Points, d.TestLabels);
            var trainAfter = BlobClassifier.Evaluate(t, final.Params, d.Train.Points, d.TrainLabels);
            var summary = new BlobsSummary(o.Samples, o.TestSamples, o.SameCenters, _before!.Loss ?? double.NaN, after.Loss ?? double.NaN,
                (int)Math.Round(trainAfter.Accuracy!.Value * o.Samples), (int)Math.Round(after.Accuracy!.Value * o.TestSamples),
                Rows(d.Train.Centers), [.. BlobClassifier.Probability(t, final.Params, d.Train.Centers).Select(v => (double)v)]);
            context.Output.WriteRaw(Summaries.Event(summary));
            stdout.WriteLine();
            foreach (var line in BlobsVerdict.Lines(summary)) stdout.WriteLine(line);
            var folder = context.Output.OutDir!;
            var plots = Plot(_setup, final, _train, _test, folder, o);
            stdout.WriteLine(Say.Wrote(folder, [.. plots, .. trained[0].Result.CheckpointPath is { } saved ? [saved] : Array.Empty<string>()]));
        }

        public void Dispose() => _setup.Dispose();
    }

    private static List<string> Plot(Prepared<Trainer, BlobSets> setup, TrainState final, List<double> train, List<double> test, string dir, BlobClassifierOptions o)
    {
        Directory.CreateDirectory(dir);
        var s = setup.Data;
        var trainPoints = Rows(s.Train.Points);
        var testPoints = Rows(s.Test.Points);
        var trainLabels = Flat(s.TrainLabels);
        var testLabels = Flat(s.TestLabels);
        var all = trainPoints.Concat(testPoints).ToArray();
        var (xMin, xMax) = Padded(all.Select(p => p[0]));
        var (yMin, yMax) = Padded(all.Select(p => p[1]));
        const int n = 161;
        var grid = new float[n * n * 2];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                grid[2 * (i * n + j)] = (float)(xMin + j * (xMax - xMin) / (n - 1));
                grid[2 * (i * n + j) + 1] = (float)(yMin + i * (yMax - yMin) / (n - 1));
            }
        float[] probability;
        using (var g = tensor(grid, [n * n, 2]))
            probability = BlobClassifier.Probability(setup.Trainer, final.Params, g);
        var values = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                values[i, j] = probability[i * n + j];

        IEnumerable<Series> Points(string what, double[][] points, double[] labels, ScottPlot.MarkerShape shape, float size)
        {
            foreach (var (label, color, name) in new[] { (0.0, "#d95f02", "label 0 (cluster 0)"), (1.0, "#1b63b0", "label 1 (other clusters)") })
            {
                var pick = Enumerable.Range(0, points.Length).Where(k => labels[k] == label).ToArray();
                if (pick.Length == 0) continue;
                yield return new Series($"{what}, {name}", [.. pick.Select(k => points[k][0])], [.. pick.Select(k => points[k][1])])
                    { Points = true, Color = color, Marker = shape, MarkerSize = size };
            }
        }
        var series = Points("train", trainPoints, trainLabels, ScottPlot.MarkerShape.FilledCircle, 8)
            .Concat(Points("test", testPoints, testLabels, ScottPlot.MarkerShape.FilledTriangleUp, 11)).ToList();
        var run = RunLabel(o);
        var map = Path.Combine(dir, "boundary.png");
        var epochs = Enumerable.Range(1, train.Count).Select(e => (double)e).ToArray();
        var loss = Path.Combine(dir, "loss.png");
        Charts.SaveAll([
            (map, new Chart($"Decision boundary after {train.Count} epochs\n{run}", "x1", "x2", series)
            {
                Heat = new Heat(new Grid(values, xMin, xMax, yMin, yMax), "p(label 1)", [0.5], ["#fde0c5", "#c6dbef"], (0, 1)),
                Height = 700,
            }),
            (loss, new Chart($"BCE per epoch\n{run}", "epoch", "BCE", [
                new Series("training loss", epochs, [.. train]) { Color = "#1f77b4" },
                new Series("test loss", epochs, [.. test]) { Color = "#ff7f0e" },
            ])),
        ]);
        return [map, loss];
    }

    /// <summary>Which run made a plot: the exercise, its key options and its seed.</summary>
    internal static string RunLabel(BlobClassifierOptions o) =>
        $"blobs: {o.Samples} training / {o.TestSamples} test points{(o.SameCenters ? "" : " (new test centres)")}, 2-{o.Hidden}-1 relu, sgd lr {o.Lr.ToString(Inv)}, {o.Epochs} epochs, seed {o.Seed}";

    private static (double, double) Padded(IEnumerable<double> values)
    {
        var list = values.ToList();
        var (lo, hi) = (list.Min(), list.Max());
        var pad = Math.Max(1.0, 0.1 * (hi - lo));
        return (lo - pad, hi + pad);
    }

    private static double[][] Rows(Tensor t)
    {
        var flat = Flat(t);
        var columns = (int)t.shape[1];
        return [.. Enumerable.Range(0, (int)t.shape[0]).Select(i => flat.AsSpan(i * columns, columns).ToArray())];
    }

    private static double[] Flat(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float64).reshape(-1);
        return c.data<double>().ToArray();
    }
}
