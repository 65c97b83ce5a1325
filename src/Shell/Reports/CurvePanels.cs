using ScottPlot;
using SkiaSharp;

namespace Functional.Shell.Reports;

/// <summary>One curve of a panel: a label for the legend, a colour, and its points (x in epochs).</summary>
internal sealed record Curve(string Label, string Color, double[] X, double[] Y)
{
    /// <summary>Drawn dashed (a second training of the same run, a validation curve beside its training curve).</summary>
    public bool Dashed { get; init; }

    /// <summary>Drawn thin and light (per-step losses under the per-epoch curve).</summary>
    public bool Faint { get; init; }
}

/// <summary>One metric's panel: its title, its y axis and its curves.</summary>
internal sealed record Panel(string Title, string YLabel, IReadOnlyList<Curve> Curves)
{
    /// <summary>
    /// Whether the y axis is logarithmic: every finite value positive and spanning more than a factor 20 (a loss that
    /// falls by orders of magnitude); accuracy panels never are.
    /// </summary>
    public bool LogY
    {
        get
        {
            var values = Curves.SelectMany(c => c.Y).Where(double.IsFinite).ToList();
            return values.Count > 0 && values.All(v => v > 0) && values.Max() / values.Min() > 20;
        }
    }
}

/// <summary>
/// Training curves drawn from a run's log as one PNG: a panel per metric side by side (ScottPlot, as the exercises'
/// own plots), used by the report and by <c>compare</c>.
/// </summary>
internal static class CurvePanels
{
    /// <summary>Ten distinguishable colours (matplotlib's tab10), in the order runs and parts take them.</summary>
    public static readonly IReadOnlyList<string> Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The width and height of one panel in pixels.</summary>
    public const int PanelWidth = 640, PanelHeight = 460;

    /// <summary>
    /// The panels as one PNG, in rows of <paramref name="columns"/>; null when there is no panel. Each panel has its
    /// legend in its emptiest corner, or with <paramref name="sharedLegend"/> (curves that are the same runs in every
    /// panel) one legend under all panels, each label once.
    /// </summary>
    public static byte[]? Png(IReadOnlyList<Panel> panels, string xLabel, int columns = 3, bool sharedLegend = false)
    {
        if (panels.Count == 0) return null;
        columns = Math.Clamp(columns, 1, panels.Count);
        var rows = (panels.Count + columns - 1) / columns;
        using var legend = sharedLegend ? Legend(panels) : null;
        var width = columns * PanelWidth;
        using var surface = SKSurface.Create(new SKImageInfo(width, rows * PanelHeight + (legend?.Height ?? 0))) ?? throw new InvalidOperationException("cannot make a drawing surface");
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Count; i++)
        {
            var (row, column) = (i / columns, i % columns);
            // Each panel on a surface of its own: a plot clears the whole canvas it renders on.
            using var panel = SKSurface.Create(new SKImageInfo(PanelWidth, PanelHeight)) ?? throw new InvalidOperationException("cannot make a drawing surface");
            Draw(panels[i], xLabel, legend: !sharedLegend).Render(panel);
            using var drawn = panel.Snapshot();
            surface.Canvas.DrawImage(drawn, column * PanelWidth, row * PanelHeight);
        }
        if (legend is not null) surface.Canvas.DrawImage(legend, Math.Max(0, (width - legend.Width) / 2), rows * PanelHeight);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    // One legend for all panels: every distinct curve once, in order.
    private static SKImage Legend(IReadOnlyList<Panel> panels)
    {
        var plot = new Plot();
        foreach (var c in panels.SelectMany(p => p.Curves).DistinctBy(c => (c.Label, c.Color, c.Dashed)))
            Charts.Add(plot, new Series(c.Label, [0], [0]) { Color = c.Color, Dashed = c.Dashed, LineWidth = 2 });
        plot.Legend.Orientation = Orientation.Vertical;
        var bytes = plot.GetLegendImage().GetImageBytes(ImageFormat.Png, 100);
        return SKImage.FromEncodedData(bytes) ?? throw new InvalidOperationException("cannot draw the legend");
    }

    private static Plot Draw(Panel panel, string xLabel, bool legend)
    {
        var logY = panel.LogY;
        var plot = Charts.New(panel.Title, xLabel, panel.YLabel + (logY ? " (log scale)" : ""));
        foreach (var c in panel.Curves)
        {
            // Only finite points are drawn: a diverged run's curve ends where its loss did.
            var keep = Enumerable.Range(0, c.Y.Length).Where(i => double.IsFinite(c.Y[i])).ToArray();
            var series = new Series(c.Label, [.. keep.Select(i => c.X[i])], [.. keep.Select(i => c.Y[i])])
            {
                Color = c.Faint ? Lighter(c.Color) : c.Color, Dashed = c.Dashed, LineWidth = c.Faint ? 1 : 2,
            };
            if (series.X.Length == 1) series = series with { Points = true, MarkerSize = 7 }; // one epoch: a point, not an invisible line
            Charts.Add(plot, series, logY);
        }
        if (logY)
        {
            var logs = panel.Curves.SelectMany(c => c.Y).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToList();
            if (logs.Count > 0 && logs.Max() - logs.Min() < 2) Charts.UseNarrowLogTicks(plot.Axes.Left, logs.Min(), logs.Max());
            else Charts.UseLogTicks(plot.Axes.Left);
        }
        // Epochs are whole numbers: no tick at epoch 1.5.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (legend) plot.ShowLegend(EmptiestCorner(panel, logY));
        else plot.HideLegend();
        return plot;
    }

    /// <summary>
    /// The corner of the panel's data area that its curves cross least (counted along each line, in the axis' scale),
    /// where a legend hides the least: upper right for a falling loss, lower right for a rising accuracy.
    /// </summary>
    internal static Alignment EmptiestCorner(Panel panel, bool logY)
    {
        var points = new List<(double X, double Y)>();
        foreach (var c in panel.Curves)
        {
            var finite = Enumerable.Range(0, c.Y.Length).Where(i => double.IsFinite(c.Y[i]) && (!logY || c.Y[i] > 0))
                .Select(i => (c.X[i], logY ? Math.Log10(c.Y[i]) : c.Y[i])).ToList();
            points.AddRange(finite);
            for (var i = 0; i + 1 < finite.Count; i++)
                for (var t = 1; t < 20; t++)
                    points.Add((finite[i].Item1 + (finite[i + 1].Item1 - finite[i].Item1) * t / 20.0, finite[i].Item2 + (finite[i + 1].Item2 - finite[i].Item2) * t / 20.0));
        }
        if (points.Count == 0) return Alignment.UpperRight;
        var (x0, x1, y0, y1) = (points.Min(p => p.X), points.Max(p => p.X), points.Min(p => p.Y), points.Max(p => p.Y));
        double Fx(double x) => x1 > x0 ? (x - x0) / (x1 - x0) : 0.5;
        double Fy(double y) => y1 > y0 ? (y - y0) / (y1 - y0) : 0.5;
        (Alignment Corner, Func<double, double, bool> Inside)[] corners =
        [
            (Alignment.UpperRight, (x, y) => x > 0.55 && y > 0.6),
            (Alignment.LowerRight, (x, y) => x > 0.55 && y < 0.4),
            (Alignment.UpperLeft, (x, y) => x < 0.45 && y > 0.6),
            (Alignment.LowerLeft, (x, y) => x < 0.45 && y < 0.4),
        ];
        return corners.MinBy(c => points.Count(p => c.Inside(Fx(p.X), Fy(p.Y)))).Corner;
    }

    // A faint version of a colour: the same hue mixed two thirds with white.
    private static string Lighter(string hex)
    {
        var c = Color.FromHex(hex);
        static byte Mix(byte v) => (byte)(v + (255 - v) * 2 / 3);
        return $"#{Mix(c.R):x2}{Mix(c.G):x2}{Mix(c.B):x2}";
    }
}
