using ScottPlot;
using SkiaSharp;

namespace Functional.Shell.Reports;

/// <summary>
/// Training curves drawn from runs' logs as one PNG: a panel per metric side by side (ScottPlot, as the exercises'
/// own plots), for <c>compare</c>'s <c>compare.png</c> (a report draws its panels as SVG: <see cref="SvgPanels"/>).
/// </summary>
internal static class CurvePanels
{
    private const int PanelWidth = PanelStyle.PanelWidth, PanelHeight = PanelStyle.PanelHeight;

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
                Color = PanelStyle.Stroke(c), Dashed = c.Dashed, LineWidth = PanelStyle.Width(c),
            };
            if (series.X.Length == 1) series = series with { Points = true, MarkerSize = 7 }; // one epoch: a point, not an invisible line
            Charts.Add(plot, series, logY);
        }
        if (logY) plot.Axes.Left.TickGenerator = Charts.LogTicks(panel.Curves.SelectMany(c => c.Y)); // 0.01, not 1e-2, as every plot
        // Epochs are whole numbers: no tick at epoch 1.5.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (legend) plot.ShowLegend(PanelStyle.EmptiestCorner(panel, logY) switch
        {
            Corner.UpperRight => Alignment.UpperRight,
            Corner.LowerRight => Alignment.LowerRight,
            Corner.UpperLeft => Alignment.UpperLeft,
            _ => Alignment.LowerLeft,
        });
        else plot.HideLegend();
        return plot;
    }
}
