using System.Text.Json;
using Functional.Shell.Rendering;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The exercises' plots, read as the numbers they are drawn from (<see cref="Charts.Record"/>), not as pixels: what
/// each plot shows, that it says which run and seeds it shows, and that its axes and legends read as a learner expects.
/// </summary>
public sealed class ChartTests
{
    private static (ShellRunner.Result Run, List<(string Path, Chart Chart)> Charts, string Dir) Record(params string[] args)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        ShellRunner.Result? r = null;
        var charts = Charts.Record(() => r = ShellRunner.Run([.. args, "--out", dir, "--quiet"]));
        Assert.True(r!.ExitCode == 0, r.Stderr);
        return (r, charts, dir);
    }

    // The chart last drawn into a file (the suite draws its plots again as each stage finishes).
    private static Chart One(List<(string Path, Chart Chart)> charts, string file) => charts.Last(c => Path.GetFileName(c.Path) == file).Chart;

    [Fact]
    public void The_xor_suites_plots_are_drawn_from_its_results_and_compare_experiments_1_to_3_on_one_axis()
    {
        var (_, charts, dir) = Record("xor-experiments", "--repeats", "2", "--epochs", "3", "--max-hidden", "3");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "xor-experiments.json")));
        JsonElement Rows(int n) => json.RootElement.GetProperty("experiments").EnumerateArray().Single(e => e.GetProperty("experiment").GetInt32() == n).GetProperty("rows");

        // Experiments 1-3: one figure of three panels sharing one y axis [0, 1.02]; each activation's curve ends at its row's mean accuracy.
        var panels = charts.Where(c => Path.GetFileName(c.Path) == "xor-exp1-3-accuracy.png").Select(c => c.Chart).TakeLast(3).ToList();
        Assert.Equal(3, panels.Count);
        Assert.All(panels, p => Assert.Equal((0, 1.02), p.YRange));
        for (var n = 1; n <= 3; n++)
        {
            Assert.StartsWith($"Experiment {n}:", panels[n - 1].Title);
            foreach (var row in Rows(n).EnumerateArray())
            {
                var curve = panels[n - 1].Series.Single(s => s.Label == row.GetProperty("setting").GetString());
                Assert.Equal(3, curve.Y.Length);
                Assert.Equal(row.GetProperty("accuracy_mean").GetDouble(), curve.Y[^1], 1e-6);
            }
        }
        // Each activation keeps its colour across the panels.
        foreach (var activation in new[] { "sigmoid", "tanh", "relu" })
            Assert.Single(panels.Select(p => p.Series.Single(s => s.Label == activation).Color).Distinct());

        // Experiment 4: every seed's curve (2 here), told apart by colour and dash, and the title says which seeds are drawn.
        var plateaus = One(charts, "xor-exp4-plateaus.png");
        Assert.Contains("all 2 seeds", plateaus.Title);
        var seeds = plateaus.Series.Where(s => s.Label.StartsWith("seed ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Rows(4).GetArrayLength(), seeds.Count);
        Assert.Equal(seeds.Count, seeds.Select(s => s.Color).Distinct().Count());
        Assert.True(plateaus.LogY);

        // Experiment 5: rates on a log axis, each rate marked by its verdict as the table says, at the sweep's seed.
        var rates = One(charts, "xor-exp5-lr.png");
        Assert.True(rates.LogX);
        Assert.Contains("seed 42", rates.Title);
        foreach (var verdict in new[] { "learns", "too slow", "diverges" })
        {
            var expected = Rows(5).EnumerateArray().Where(r => r.GetProperty("verdict").GetString() == verdict)
                .Select(r => double.Parse(r.GetProperty("setting").GetString()!["lr ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected, rates.Series.Single(s => s.Label == verdict).X);
        }

        // Experiment 6: whole-number widths only, and the share of runs at 100 % per width from the table.
        var parity = One(charts, "xor-exp6-parity.png");
        Assert.True(parity.IntegerX);
        foreach (var row in Rows(6).EnumerateArray())
        {
            var setting = row.GetProperty("setting").GetString()!; // "inputs 3, hidden 2"
            var parts = setting.Split(", ");
            var series = parity.Series.Single(s => s.Label == $"{parts[0]["inputs ".Length..]} inputs");
            var at = Array.IndexOf(series.X, double.Parse(parts[1]["hidden ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(row.GetProperty("perfect_runs").GetDouble() / row.GetProperty("runs").GetDouble(), series.Y[at], 12);
        }

        // Every plot says which run made it (the second title line), and every legend sits outside the data.
        Assert.All(charts, c => Assert.Contains("xor-experiments: 2 seeds from 1, 3 epochs", c.Chart.Title));
        Assert.All(charts, c => AssertLegendOutside(c.Chart));
    }

    [Fact]
    public void Xors_loss_plot_adds_a_moving_average_and_its_surface_a_labelled_colour_bar_and_the_half_contour()
    {
        var (_, charts, _) = Record("xor", "--epochs", "1");
        var loss = One(charts, "xor-loss.png");
        var perBatch = loss.Series.Single(s => s.Label == "loss per batch");
        Assert.Equal(500, perBatch.Y.Length); // one epoch of 500 batches
        var average = loss.Series.Single(s => s.Label.StartsWith("moving average", StringComparison.Ordinal));
        Assert.Equal(Charts.MovingAverage(perBatch.Y, 100), average.Y);
        Assert.True(loss.LogY);

        var surface = One(charts, "xor-surface.png").Heat!;
        Assert.Equal("network output", surface.ColorBarLabel);
        Assert.Equal([0.5], surface.Contours);
        var centred = One(Record("xor", "--epochs", "1", "--activation", "tanh", "--center").Charts, "xor-surface.png").Heat!;
        Assert.Equal([-0.5, 0.5], centred.Contours); // outputs round to −1, 0 or 1: both boundaries
    }

    [Fact]
    public void The_fit_plot_draws_the_true_curve_on_top_and_says_when_weight_decay_was_on()
    {
        var (_, charts, _) = Record("regression", "--compare-weight-decay", "0.001", "--epochs", "5");
        var fit = One(charts, "fit.png");
        var truth = fit.Series[^1];
        Assert.StartsWith("true curve", truth.Label);
        Assert.Equal("#000000", truth.Color);
        Assert.All(truth.X.Zip(truth.Y), p => Assert.Equal(Math.Sin(Math.Cos(p.First * p.First)), p.Second, 12));
        Assert.Contains("without and with weight decay 0.001", fit.Title);
        Assert.Contains(fit.Series, s => s.Label == "fit, weight decay 0.001");
        Assert.Contains(fit.Series, s => s.Label == "fit, weight decay 0");

        var decay = One(Record("regression", "--preset", "decay", "--epochs", "5").Charts, "fit.png");
        Assert.Contains("with weight decay 0.001", decay.Title);
        Assert.All(charts, c => AssertLegendOutside(c.Chart));
    }

    [Fact]
    public void The_blobs_boundary_is_the_half_contour_of_a_labelled_probability_map()
    {
        var (_, charts, _) = Record("blobs", "--epochs", "5");
        var heat = One(charts, "boundary.png").Heat!;
        Assert.Equal("p(label 1)", heat.ColorBarLabel);
        Assert.Equal([0.5], heat.Contours);
        Assert.Equal((0, 1), heat.Range);
        AssertLegendOutside(One(charts, "boundary.png"));
    }

    [Fact]
    public void A_line_of_far_more_points_than_pixels_keeps_each_columns_first_lowest_highest_and_last_point()
    {
        const int n = 50_000, buckets = 100;
        var random = new Random(7);
        var xs = Enumerable.Range(0, n).Select(i => i / 500.0).ToArray();
        var ys = new double[n];
        for (var i = 1; i < n; i++) ys[i] = ys[i - 1] + random.NextDouble() - 0.5;
        var (dx, dy) = Charts.Decimate(xs, ys, buckets);

        Assert.InRange(dx.Length, 2 * buckets, 4 * buckets);
        Assert.Equal((xs[0], ys[0]), (dx[0], dy[0]));
        Assert.Equal((xs[^1], ys[^1]), (dx[^1], dy[^1]));
        var index = xs.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i);
        Assert.All(dx.Zip(dy), p => Assert.Equal(ys[index[p.First]], p.Second)); // every kept point is one of the line's
        Assert.True(dx.Zip(dx.Skip(1)).All(p => p.Second > p.First), "kept in order");
        int Bucket(double x) => Math.Min(buckets - 1, (int)((x - xs[0]) / (xs[^1] - xs[0]) * buckets));
        for (var b = 0; b < buckets; b++)
        {
            var all = Enumerable.Range(0, n).Where(i => Bucket(xs[i]) == b).Select(i => ys[i]).ToList();
            var kept = Enumerable.Range(0, dx.Length).Where(i => Bucket(dx[i]) == b).Select(i => dy[i]).ToList();
            Assert.Equal((all.Min(), all.Max(), all[0], all[^1]), (kept.Min(), kept.Max(), kept[0], kept[^1]));
        }

        // Short, decreasing somewhere, or not finite: drawn as given.
        double[] shortX = [0, 1, 2], shortY = [3, 1, 2];
        Assert.Same(shortX, Charts.Decimate(shortX, shortY, buckets).X);
        var back = (double[])xs.Clone();
        (back[10], back[11]) = (back[11], back[10]);
        Assert.Same(back, Charts.Decimate(back, ys, buckets).X);
        var nan = (double[])ys.Clone();
        nan[123] = double.NaN;
        Assert.Same(nan, Charts.Decimate(xs, nan, buckets).Y);
    }

    [Fact]
    public void Log_axes_are_labelled_with_plain_decimals()
    {
        Assert.Equal("0.01", Ticks.LogLabel(-2));
        Assert.Equal("0.0001", Ticks.LogLabel(-4));
        Assert.Equal("1", Ticks.LogLabel(0));
        Assert.Equal("1000", Ticks.LogLabel(3));
        Assert.Equal("1e-7", Ticks.LogLabel(-7));
        var ticks = Charts.LogTicks([0.003, 0.2]);
        using var paint = ScottPlot.Paint.NewDisposablePaint();
        ticks.Regenerate(new ScottPlot.CoordinateRange(-3, 0), ScottPlot.Edge.Left, new ScottPlot.PixelLength(500), paint, new ScottPlot.LabelStyle());
        var labels = ticks.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
        Assert.Contains("0.01", labels);
        Assert.Contains("0.02", labels); // under two decades: 2 and 5 times the powers too
        Assert.DoesNotContain(labels, l => l.Contains('e'));
    }

    [Fact]
    public void The_contour_passes_through_the_level_and_the_moving_average_is_the_window_mean()
    {
        // f(x, y) = x + 2y on a grid: marching squares with linear interpolation is exact for a linear function.
        var values = new double[7, 9];
        var grid = new Grid(values, -1, 1, 0, 3);
        for (var i = 0; i < 7; i++)
            for (var j = 0; j < 9; j++)
                values[i, j] = grid.X(j) + 2 * grid.Y(i);
        var segments = Charts.Contour(grid, 2.5).ToList();
        Assert.NotEmpty(segments);
        Assert.All(segments.SelectMany(s => new[] { s.A, s.B }), p => Assert.Equal(2.5, p.X + 2 * p.Y, 9));

        double[] losses = [4, 2, 6, 8, 0];
        Assert.Equal([4, 3, 4, 16 / 3.0, 14 / 3.0], Charts.MovingAverage(losses, 3));
    }

    // The legend is drawn beside the data area (a panel below it), never inside it over the data.
    private static void AssertLegendOutside(Chart chart)
    {
        var plot = Charts.Build(chart);
        Assert.False(plot.Legend.IsVisible);
        Assert.Contains(plot.Axes.GetPanels(), p => p is ScottPlot.Panels.LegendPanel);
    }

    private static Chart Line(string title) => new(title, "x", "y", [new Series("y = x²", [0, 1, 2, 3], [0, 1, 4, 9])]);

    private static bool IsPng(string path) => File.Exists(path) && File.ReadAllBytes(path).AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 });

    [Fact]
    public void Deferred_charts_are_drawn_in_the_background_and_their_failure_is_told_by_Wait()
    {
        var dir = ShellRunner.TempDir();
        var (a, b, missing) = (Path.Combine(dir, "a.png"), Path.Combine(dir, "b.png"), Path.Combine(dir, "no-such-folder", "c.png"));
        var started = 0;
        List<(string Path, Chart Chart)> recorded;
        Exception? failure;
        using (var drawings = Charts.Defer(() => started++))
        {
            Assert.False(drawings.Started);
            recorded = Charts.Record(() =>
            {
                Charts.SaveAll([(a, Line("a")), (missing, Line("c"))]);
                Charts.Save(b, Line("b"));
            });
            Assert.True(drawings.Started);
            failure = drawings.Wait();
        }
        Assert.Equal(1, started); // once, when the first drawing started
        Assert.Equal([a, missing, b], recorded.Select(r => r.Path)); // recorded on the caller's flow, in order
        Assert.True(IsPng(a) && IsPng(b));
        Assert.IsType<DirectoryNotFoundException>(failure);
        Assert.Equal(["a.png", "b.png"], Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order()); // no temporary file left

        // Without a deferral the same failure is thrown by the call itself, and the deferral ended with its using.
        Assert.Throws<DirectoryNotFoundException>(() => Charts.Save(missing, Line("c")));
    }

    [Fact]
    public void Held_summary_lines_are_written_in_order_on_release_and_dropped_on_discard()
    {
        var inner = new StringWriter { NewLine = "\n" };
        var gate = new GatedLines(inner) { NewLine = "\n" };
        gate.WriteLine("verdict");
        gate.Hold();
        gate.WriteLine("wrote to run: a.png");
        gate.Write("report: ");
        gate.WriteLine("run/report.html");
        gate.Flush();
        Assert.Equal("verdict\n", inner.ToString());
        gate.Release();
        Assert.Equal("verdict\nwrote to run: a.png\nreport: run/report.html\n", inner.ToString());
        gate.Hold();
        gate.WriteLine("wrote to run: b.png");
        gate.Discard();
        gate.WriteLine("after");
        Assert.Equal("verdict\nwrote to run: a.png\nreport: run/report.html\nafter\n", inner.ToString());
    }
}
