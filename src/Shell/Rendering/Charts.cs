using ScottPlot;

namespace Functional.Shell.Rendering;

/// <summary>A named line or point series for a chart.</summary>
internal sealed record Series(string Label, double[] X, double[] Y)
{
    /// <summary>Draw points only (no connecting line).</summary>
    public bool Points { get; init; }
    /// <summary>Colour as a hex string (e.g. <c>#1f77b4</c>); null picks the next palette colour.</summary>
    public string? Color { get; init; }
    /// <summary>Marker shape for point series (null: filled circle).</summary>
    public MarkerShape? Marker { get; init; }
    /// <summary>Marker size for point series (default 4).</summary>
    public float MarkerSize { get; init; } = 4;
    /// <summary>Line width for line series (default 2).</summary>
    public float LineWidth { get; init; } = 2;
    /// <summary>Dashed line (line series only).</summary>
    public bool Dashed { get; init; }
}

/// <summary>
/// A function of two variables sampled on a regular grid: <c>Values[i, j]</c> is its value at
/// (<c>XMin + j·(XMax−XMin)/(columns−1)</c>, <c>YMin + i·(YMax−YMin)/(rows−1)</c>), i.e. row 0 is the bottom.
/// </summary>
internal sealed record Grid(double[,] Values, double XMin, double XMax, double YMin, double YMax)
{
    /// <summary>The x coordinate of column <paramref name="j"/>.</summary>
    public double X(int j) => XMin + j * (XMax - XMin) / (Values.GetLength(1) - 1);
    /// <summary>The y coordinate of row <paramref name="i"/>.</summary>
    public double Y(int i) => YMin + i * (YMax - YMin) / (Values.GetLength(0) - 1);
}

/// <summary>
/// PNG charts with ScottPlot. Each chart is written to a temporary file in the target folder and renamed into place,
/// so an interrupted run never leaves a half-written image.
/// </summary>
internal static class Charts
{
    public const int Width = 900;
    public const int Height = 560;

    /// <summary>
    /// A chart of lines and/or points. With <paramref name="logY"/> the y axis is log10 (non-positive values are dropped).
    /// The legend goes to <paramref name="legend"/> (default upper right).
    /// </summary>
    public static void Save(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false, Alignment? legend = null)
    {
        var plot = New(title, xLabel, yLabel);
        var list = series.ToList();
        foreach (var s in list) Add(plot, s, logY);
        if (logY)
        {
            var logs = list.SelectMany(s => s.Y).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToList();
            if (logs.Count > 0 && logs.Max() - logs.Min() < 2) UseNarrowLogTicks(plot.Axes.Left, logs.Min(), logs.Max());
            else UseLogTicks(plot.Axes.Left);
        }
        plot.ShowLegend(legend ?? Alignment.UpperRight);
        SavePng(plot, path);
    }

    /// <summary>
    /// A heatmap of <paramref name="z"/> ([row = y index, column = x index] over the grid <paramref name="xs"/> × <paramref name="ys"/>,
    /// both ascending) with a colour bar, and optional point series on top (e.g. data coloured by class).
    /// </summary>
    public static void SaveSurface(string path, string title, string xLabel, string yLabel, double[] xs, double[] ys, double[,] z, IEnumerable<Series> points)
    {
        var plot = New(title, xLabel, yLabel);
        var heatmap = AddHeatmap(plot, new Grid(z, xs[0], xs[^1], ys[0], ys[^1]));
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        foreach (var s in points)
        {
            Add(plot, s);
            if (s.Points)
            {
                var last = (ScottPlot.Plottables.Scatter)plot.GetPlottables().Last();
                last.MarkerSize = 6;
                last.MarkerLineColor = ScottPlot.Colors.Gray;
            }
        }
        plot.Axes.SetLimits(xs[0], xs[^1], ys[0], ys[^1]);
        plot.ShowLegend(Alignment.UpperRight);
        SavePng(plot, path, Width, Width * 5 / 6);
    }

    /// <summary>A new plot with title and axis labels.</summary>
    public static Plot New(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>Adds one series to <paramref name="plot"/>.</summary>
    public static void Add(Plot plot, Series s, bool logY = false)
    {
        var (xs, ys) = logY ? LogValues(s.X, s.Y) : (s.X, s.Y);
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.LegendText = s.Label;
        if (s.Color is not null) scatter.Color = ScottPlot.Color.FromHex(s.Color);
        if (s.Points)
        {
            scatter.LineWidth = 0;
            scatter.MarkerSize = s.MarkerSize;
            if (s.Marker is { } shape) scatter.MarkerShape = shape;
        }
        else
        {
            scatter.MarkerSize = 0;
            scatter.LineWidth = s.LineWidth;
            if (s.Dashed) scatter.LinePattern = LinePattern.Dashed;
        }
    }

    /// <summary>
    /// A decision map: <paramref name="probability"/> (values in [0, 1]) as a background heatmap, its 0.5 contour as the
    /// decision boundary, and <paramref name="points"/> on top.
    /// </summary>
    public static void SaveDecisionMap(string path, string title, string xLabel, string yLabel, Grid probability, IEnumerable<Series> points)
    {
        var plot = New(title, xLabel, yLabel);
        var heatmap = AddHeatmap(plot, probability);
        heatmap.Colormap = new ScottPlot.Colormaps.Custom([ScottPlot.Color.FromHex("#fde0c5"), ScottPlot.Color.FromHex("#c6dbef")]);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        // ScottPlot's own contour lines come out as cell-edge staircases: trace the level with marching squares instead.
        foreach (var (a, b) in Contour(probability, 0.5))
        {
            var line = plot.Add.Line(a.X, a.Y, b.X, b.Y);
            line.Color = Colors.Black;
            line.LineWidth = 2;
            line.MarkerSize = 0;
        }
        foreach (var s in points) Add(plot, s);
        plot.Axes.SetLimits(probability.XMin, probability.XMax, probability.YMin, probability.YMax);
        plot.ShowLegend(Alignment.UpperRight);
        SavePng(plot, path);
    }

    /// <summary>A heatmap of <paramref name="grid"/> whose cells are centred on the grid points, row 0 at the bottom.</summary>
    private static ScottPlot.Plottables.Heatmap AddHeatmap(Plot plot, Grid grid)
    {
        var rows = grid.Values.GetLength(0);
        var columns = grid.Values.GetLength(1);
        // ScottPlot draws row 0 of a heatmap at the top; the grid's row 0 is the bottom.
        var flipped = new double[rows, columns];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                flipped[rows - 1 - i, j] = grid.Values[i, j];
        var heatmap = plot.Add.Heatmap(flipped);
        var cellW = (grid.XMax - grid.XMin) / Math.Max(1, columns - 1);
        var cellH = (grid.YMax - grid.YMin) / Math.Max(1, rows - 1);
        heatmap.Extent = new CoordinateRect(grid.XMin - cellW / 2, grid.XMax + cellW / 2, grid.YMin - cellH / 2, grid.YMax + cellH / 2);
        return heatmap;
    }

    /// <summary>
    /// The segments where <paramref name="grid"/> crosses <paramref name="level"/> (marching squares with linear
    /// interpolation along cell edges; a saddle cell pairs its crossings in edge order).
    /// </summary>
    public static IEnumerable<(Coordinates A, Coordinates B)> Contour(Grid grid, double level)
    {
        var v = grid.Values;
        for (var i = 0; i + 1 < v.GetLength(0); i++)
            for (var j = 0; j + 1 < v.GetLength(1); j++)
            {
                // corners counter-clockwise from bottom left; edge k joins corner k and corner k+1
                (int I, int J)[] corners = [(i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j)];
                var crossings = new List<Coordinates>(4);
                for (var k = 0; k < 4; k++)
                {
                    var (i0, j0) = corners[k];
                    var (i1, j1) = corners[(k + 1) % 4];
                    var (a, b) = (v[i0, j0] - level, v[i1, j1] - level);
                    if (a < 0 == b < 0 || a == b) continue;
                    var t = a / (a - b);
                    crossings.Add(new Coordinates(grid.X(j0) + t * (grid.X(j1) - grid.X(j0)), grid.Y(i0) + t * (grid.Y(i1) - grid.Y(i0))));
                }
                for (var k = 0; k + 1 < crossings.Count; k += 2)
                    yield return (crossings[k], crossings[k + 1]);
            }
    }

    /// <summary>Writes <paramref name="plot"/> as a PNG, atomically.</summary>
    public static void SavePng(Plot plot, string path, int width = Width, int height = Height)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp.png");
        try
        {
            plot.SavePng(temp, width, height);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Labels a log10-transformed axis spanning less than two decades (from <paramref name="lo"/> to <paramref name="hi"/>,
    /// in log10 units) at 1, 2 and 5 times the powers of ten, where powers of ten alone would leave it bare.
    /// </summary>
    public static void UseNarrowLogTicks(IAxis axis, double lo, double hi)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var k = (int)Math.Floor(lo) - 1; k <= (int)Math.Ceiling(hi) + 1; k++)
            foreach (var m in new[] { 1.0, 2.0, 5.0 })
                ticks.AddMajor(Math.Log10(m) + k, (m * Math.Pow(10, k)).ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
        axis.TickGenerator = ticks;
    }

    /// <summary>Labels a log10-transformed axis with powers of ten and log-spaced minor ticks.</summary>
    public static void UseLogTicks(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
    }

    private static (double[], double[]) LogValues(double[] x, double[] y)
    {
        var keep = Enumerable.Range(0, y.Length).Where(i => y[i] > 0 && double.IsFinite(y[i])).ToArray();
        return (keep.Select(i => x[i]).ToArray(), keep.Select(i => Math.Log10(y[i])).ToArray());
    }
}
