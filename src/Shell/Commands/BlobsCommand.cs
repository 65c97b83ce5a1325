using System.CommandLine;
using System.Globalization;
using Functional.Shell.Rendering;
using Functional.Training;
using Functional.Training.Exercises;
using static TorchSharp.torch;

namespace Functional.Shell.Commands;

/// <summary><c>blobs</c>: the Feedforward(2, 10) binary classifier on make_blobs data.</summary>
internal static class BlobsCommand
{
    /// <summary>Where plots go when <c>--out</c> is not given (the repository ignores <c>/runs/</c>).</summary>

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new BlobClassifierOptions();
        var common = new CommonOptions("blobs", defaults.Seed, defaults.Epochs, defaults.Lr);
        var hidden = new Option<int>("--hidden") { Description = "Hidden width of Feedforward(2, hidden)", DefaultValueFactory = _ => defaults.Hidden };
        var samples = new Option<int>("--samples") { Description = "Training points", DefaultValueFactory = _ => defaults.Samples };
        var testSamples = new Option<int>("--test-samples") { Description = "Test points", DefaultValueFactory = _ => defaults.TestSamples };
        var newCenters = new Option<bool>("--new-test-centers") { Description = "Draw the test points around new random clusters, as the tutorial's second make_blobs call literally does (test accuracy then measures luck)" };
        var command = new Command("blobs", "A 2-10-1 network tells blob 0 from the others (make_blobs data, BCE, SGD), with the decision boundary plotted");
        common.AddTo(command);
        foreach (var o in new Option[] { hidden, samples, testSamples, newCenters })
            command.Options.Add(o);
        command.SetAction((r, cancel) =>
        {
            var options = new BlobClassifierOptions(r.GetValue(samples), r.GetValue(testSamples), r.GetValue(hidden), r.GetValue(common.Lr),
                r.GetValue(common.Epochs), SameCenters: !r.GetValue(newCenters), Seed: r.GetValue(common.Seed)).Validate();
            var session = common.Session(r);
            using var output = common.Output(r);
            return Task.FromResult(Run(options, session, output, r.GetValue(common.Quiet), CommonOptions.RepeatCommand(r), stdout, stderr, cancel));
        });
        return command;
    }

    internal static int Run(BlobClassifierOptions o, SessionOptions session, RunOutput output, bool quiet, string repeat, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        using var setup = BlobClassifier.Prepare(o);
        stdout.WriteLine($"blobs: {o.Samples} training and {o.TestSamples} test points (make_blobs: {o.Centers} centers in (-10, 10), std {o.ClusterStd.ToString(Inv)}; "
                         + $"label 0 = cluster 0, 1 = the rest; test clusters {(o.SameCenters ? "= the training clusters" : "drawn anew, as the tutorial's literal second draw")}), "
                         + $"network {setup.Trainer.Spec}, {setup.Trainer.Loss.Name}, {setup.Trainer.Optimizer}, {o.Epochs} epochs, seed {o.Seed}");
        var before = BlobClassifier.Evaluate(setup.Trainer, setup.Initial.Params, setup.Test.Points, setup.TestLabels);
        stdout.WriteLine(string.Format(Inv, "test loss before training {0:F6} (accuracy {1:P0})", before.Loss, before.Accuracy));
        var train = new List<double>();
        var test = new List<double>();
        var accuracy = new List<double>();
        var every = o.Epochs <= 100 ? 1 : Format.ProgressInterval(o.Epochs);
        var run = Session.Resume(new ExerciseRun("blobs", setup.Trainer, setup.Initial, setup.Plan, Session.OptionsOf(o, nameof(o.Epochs))), session, output, stdout);
        var result = Session.Train(run, session, output, stderr, repeat, "try a smaller --lr", e =>
        {
            if (e is not EpochEvent ep) return;
            train.Add(ep.Loss);
            test.Add(ep.ValLoss ?? double.NaN);
            accuracy.Add(ep.Accuracy ?? double.NaN);
            if (!quiet && (ep.Epoch % every == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs))
                stdout.WriteLine(string.Format(Inv, "epoch {0,4}: train loss {1:F6}", ep.Epoch, ep.Loss));
        }, cancel);
        output.Commit();
        using var final = result.Finished.State;
        if (result.Finished.Reason is not StopReason.Completed) return result.ExitCode;
        var after = BlobClassifier.Evaluate(setup.Trainer, final.Params, setup.Test.Points, setup.TestLabels);
        var trainAfter = BlobClassifier.Evaluate(setup.Trainer, final.Params, setup.Train.Points, setup.TrainLabels);
        stdout.WriteLine(string.Format(Inv, "test loss after training {0:F6}", after.Loss));
        stdout.WriteLine();
        stdout.WriteLine(string.Format(Inv, "accuracy: train {0:P0} ({1}/{2}), test {3:P0} ({4}/{5}); test loss {6:F4} → {7:F4}",
            trainAfter.Accuracy, Math.Round(trainAfter.Accuracy!.Value * o.Samples), o.Samples,
            after.Accuracy, Math.Round(after.Accuracy!.Value * o.TestSamples), o.TestSamples, before.Loss, after.Loss));
        if (!o.SameCenters)
            stdout.WriteLine("note: as in the tutorial's literal second make_blobs call, the test points sit around new random centers, so the "
                             + "test set's cluster 0 is not where training's was and test accuracy is mostly luck; without --new-test-centers they are drawn around the training clusters");

        var plots = Plot(setup, final, train, test, output.OutDir!, o);
        stdout.WriteLine($"plots: {string.Join(", ", plots)}");
        return result.ExitCode;
    }

    private static List<string> Plot(BlobClassifierSetup s, TrainState final, List<double> train, List<double> test, string dir, BlobClassifierOptions o)
    {
        Directory.CreateDirectory(dir);
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
            probability = BlobClassifier.Probability(s.Trainer, final.Params, g);
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
        var written = new List<string>();
        var map = Path.Combine(dir, "boundary.png");
        Charts.SaveDecisionMap(map, $"Decision boundary after {train.Count} epochs (seed {o.Seed}; background: p(label 1), line: p = 0.5)", "x1", "x2",
            new Grid(values, xMin, xMax, yMin, yMax), series);
        written.Add(map);
        var epochs = Enumerable.Range(1, train.Count).Select(e => (double)e).ToArray();
        var loss = Path.Combine(dir, "loss.png");
        Charts.Save(loss, $"BCE per epoch (seed {o.Seed})", "epoch", "BCE", [
            new Series("training loss", epochs, [.. train]) { Color = "#1f77b4" },
            new Series("test loss", epochs, [.. test]) { Color = "#ff7f0e" },
        ]);
        written.Add(loss);
        return written;
    }

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
