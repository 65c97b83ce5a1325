using ScottPlot;

namespace Functional.Shell.Rendering;

/// <summary>A named line or point series for a chart.</summary>
internal sealed record Series(string Label, double[] X, double[] Y)
{
    /// <summary>Draw points only (no connecting line).</summary>
    public bool Points { get; init; }
    /// <summary>Colour as a hex string (e.g. <c>#1f77b4</c>); null picks the next palette colour.</summary>
    public string? Color { get; init; }
    /// <summary>Marker size for <see cref="Points"/> series.</summary>
    public float MarkerSize { get; init; } = 4;
}

/// <summary>
/// PNG charts with ScottPlot. Each chart is written to a temporary file in the target folder and renamed into place,
/// so an interrupted run never leaves a half-written image.
/// </summary>
internal static class Charts
{
    public const int Width = 900;
    public const int Height = 560;

    /// <summary>A chart of lines and/or points. With <paramref name="logY"/> the y axis is log10 (non-positive values are dropped).</summary>
    public static void Save(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false)
    {
        var plot = New(title, xLabel, yLabel);
        foreach (var s in series) Add(plot, s, logY);
        if (logY) UseLogTicks(plot.Axes.Left);
        plot.ShowLegend(Alignment.UpperRight);
        SavePng(plot, path);
    }

    /// <summary>
    /// A heatmap of <paramref name="z"/> ([row = y index, column = x index] over the grid <paramref name="xs"/> × <paramref name="ys"/>,
    /// both ascending) with a colour bar, and optional point series on top (e.g. data coloured by class).
    /// </summary>
    public static void SaveSurface(string path, string title, string xLabel, string yLabel, double[] xs, double[] ys, double[,] z, IEnumerable<Series> points)
    {
        var plot = New(title, xLabel, yLabel);
        // ScottPlot draws row 0 of a heatmap at the top: flip so that y grows upwards like the axis.
        var rows = z.GetLength(0);
        var cols = z.GetLength(1);
        var flipped = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                flipped[rows - 1 - i, j] = z[i, j];
        var heatmap = plot.Add.Heatmap(flipped);
        var dx = (xs[^1] - xs[0]) / Math.Max(1, cols - 1);
        var dy = (ys[^1] - ys[0]) / Math.Max(1, rows - 1);
        heatmap.Extent = new CoordinateRect(xs[0] - dx / 2, xs[^1] + dx / 2, ys[0] - dy / 2, ys[^1] + dy / 2);
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
        }
        else
        {
            scatter.MarkerSize = 0;
            scatter.LineWidth = 2;
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
