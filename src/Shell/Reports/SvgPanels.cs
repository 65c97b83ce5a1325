using System.Text;
using Functional.Shell.Rendering;

namespace Functional.Shell.Reports;

/// <summary>
/// Training curves as one SVG document: a panel per metric in rows of columns, each with its title, axes, ticks, grid,
/// curves and a legend in its emptiest corner. Written as text, with no drawing library: a report is written at the end
/// of every run, and loading a raster library (SkiaSharp, fonts) for it cost a one-epoch run a third of its time
/// (docs/perf.md). Only finite points are drawn (and only positive ones on a log axis): a curve breaks where its values
/// do, and a point with no finite neighbour is drawn as a dot.
/// </summary>
internal static class SvgPanels
{
    // The data area inside a panel.
    private const double Left = 78, Right = 18, Top = 40, Bottom = 56;
    private const string Font = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif";
    private const string Ink = "#222", Grid = "#e6e6e6", Frame = "#444";

    /// <summary>The panels as an SVG document, in rows of <paramref name="columns"/>; null when there is no panel.</summary>
    public static string? Svg(IReadOnlyList<Panel> panels, string xLabel, int columns = 3)
    {
        if (panels.Count == 0) return null;
        columns = Math.Clamp(columns, 1, panels.Count);
        var rows = (panels.Count + columns - 1) / columns;
        var (width, height) = (columns * PanelStyle.PanelWidth, rows * PanelStyle.PanelHeight);
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"{Font}\" fill=\"{Ink}\">");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>");
        for (var i = 0; i < panels.Count; i++)
            Draw(svg, panels[i], xLabel, i, (i % columns) * PanelStyle.PanelWidth, (i / columns) * PanelStyle.PanelHeight);
        return svg.Append("</svg>").ToString();
    }

    private static void Draw(StringBuilder svg, Panel panel, string xLabel, int index, double x0, double y0)
    {
        var logY = panel.LogY;
        bool Drawn(double y) => double.IsFinite(y) && (!logY || y > 0);
        double Scale(double y) => logY ? Math.Log10(y) : y;
        var points = panel.Curves.SelectMany(c => c.X.Zip(c.Y)).Where(p => double.IsFinite(p.First) && Drawn(p.Second)).ToList();
        var (xMin, xMax) = points.Count == 0 ? (0.0, 1.0) : (points.Min(p => p.First), points.Max(p => p.First));
        var (yMin, yMax) = points.Count == 0 ? (0.0, 1.0) : (points.Min(p => Scale(p.Second)), points.Max(p => Scale(p.Second)));
        (xMin, xMax) = Pad(xMin, xMax, 0.03, 0.5);
        (yMin, yMax) = Pad(yMin, yMax, 0.06, logY ? 0.1 : Math.Max(Math.Abs(yMin) * 0.1, 0.05));

        var (left, top) = (x0 + Left, y0 + Top);
        var (w, h) = (PanelStyle.PanelWidth - Left - Right, PanelStyle.PanelHeight - Top - Bottom);
        double Px(double x) => left + (x - xMin) / (xMax - xMin) * w;
        double Py(double y) => top + h - (y - yMin) / (yMax - yMin) * h;

        svg.Append($"<text x=\"{N(x0 + PanelStyle.PanelWidth / 2.0)}\" y=\"{N(y0 + 26)}\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">{Html.Esc(panel.Title)}</text>");
        svg.Append($"<text x=\"{N(left + w / 2)}\" y=\"{N(y0 + PanelStyle.PanelHeight - 12)}\" text-anchor=\"middle\" font-size=\"14\">{Html.Esc(xLabel)}</text>");
        svg.Append($"<text transform=\"translate({N(x0 + 18)} {N(top + h / 2)}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">{Html.Esc(panel.YLabel + (logY ? " (log scale)" : ""))}</text>");

        var yTicks = (logY ? Ticks.Log(points.Select(p => p.Second)) : Ticks.Linear(yMin, yMax)).Where(t => t.At >= yMin && t.At <= yMax).ToList();
        var xTicks = Ticks.Linear(xMin, xMax, integers: true);
        foreach (var t in yTicks)
        {
            var y = Py(t.At);
            if (!t.Minor) svg.Append($"<line x1=\"{N(left)}\" x2=\"{N(left + w)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"{Grid}\"/>");
            svg.Append($"<line x1=\"{N(left - (t.Minor ? 3 : 6))}\" x2=\"{N(left)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"{Frame}\"/>");
            if (!t.Minor) svg.Append($"<text x=\"{N(left - 9)}\" y=\"{N(y + 4)}\" text-anchor=\"end\" font-size=\"12\">{Html.Esc(t.Label)}</text>");
        }
        foreach (var t in xTicks)
        {
            var x = Px(t.At);
            svg.Append($"<line x1=\"{N(x)}\" x2=\"{N(x)}\" y1=\"{N(top)}\" y2=\"{N(top + h)}\" stroke=\"{Grid}\"/>");
            svg.Append($"<line x1=\"{N(x)}\" x2=\"{N(x)}\" y1=\"{N(top + h)}\" y2=\"{N(top + h + 6)}\" stroke=\"{Frame}\"/>");
            svg.Append($"<text x=\"{N(x)}\" y=\"{N(top + h + 20)}\" text-anchor=\"middle\" font-size=\"12\">{Html.Esc(t.Label)}</text>");
        }

        svg.Append($"<clipPath id=\"area{index}\"><rect x=\"{N(left)}\" y=\"{N(top)}\" width=\"{N(w)}\" height=\"{N(h)}\"/></clipPath><g clip-path=\"url(#area{index})\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">");
        foreach (var c in panel.Curves)
        {
            var stroke = $"stroke=\"{PanelStyle.Stroke(c)}\" stroke-width=\"{N(PanelStyle.Width(c))}\"{(c.Dashed ? " stroke-dasharray=\"8 5\"" : "")}";
            foreach (var run in Runs(c, Drawn))
            {
                if (run.Count == 1)
                    svg.Append($"<circle cx=\"{N(Px(c.X[run[0]]))}\" cy=\"{N(Py(Scale(c.Y[run[0]])))}\" r=\"4\" fill=\"{PanelStyle.Stroke(c)}\" stroke=\"none\"/>");
                else
                    svg.Append($"<polyline {stroke} points=\"{string.Join(" ", run.Select(i => $"{N(Px(c.X[i]))},{N(Py(Scale(c.Y[i])))}"))}\"/>");
            }
        }
        svg.Append("</g>");
        svg.Append($"<rect x=\"{N(left)}\" y=\"{N(top)}\" width=\"{N(w)}\" height=\"{N(h)}\" fill=\"none\" stroke=\"{Frame}\"/>");
        Legend(svg, panel, PanelStyle.EmptiestCorner(panel, logY), left, top, w, h);
    }

    // The legend box in the corner, one row a labelled curve: a short stretch of its line and its label.
    private static void Legend(StringBuilder svg, Panel panel, Corner corner, double left, double top, double w, double h)
    {
        var entries = panel.Curves.Where(c => c.Label.Length > 0).ToList();
        if (entries.Count == 0) return;
        const double row = 19, pad = 8, sample = 28;
        // Text width estimated at 0.58 em a character (12 px): wide enough for DejaVu Sans and the common fallbacks.
        var boxW = pad * 3 + sample + entries.Max(c => c.Label.Length) * 12 * 0.58;
        var boxH = pad * 2 + row * entries.Count - 5;
        var bx = corner is Corner.UpperRight or Corner.LowerRight ? left + w - boxW - 8 : left + 8;
        var by = corner is Corner.UpperRight or Corner.UpperLeft ? top + 8 : top + h - boxH - 8;
        svg.Append($"<g font-size=\"12\"><rect x=\"{N(bx)}\" y=\"{N(by)}\" width=\"{N(boxW)}\" height=\"{N(boxH)}\" fill=\"#fff\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>");
        for (var i = 0; i < entries.Count; i++)
        {
            var c = entries[i];
            var y = by + pad + row * i + 7;
            svg.Append($"<line x1=\"{N(bx + pad)}\" x2=\"{N(bx + pad + sample)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"{PanelStyle.Stroke(c)}\" stroke-width=\"{N(PanelStyle.Width(c))}\"{(c.Dashed ? " stroke-dasharray=\"8 5\"" : "")}/>");
            svg.Append($"<text x=\"{N(bx + pad * 2 + sample)}\" y=\"{N(y + 4)}\">{Html.Esc(c.Label)}</text>");
        }
        svg.Append("</g>");
    }

    // The indices of a curve's drawable points, in runs of consecutive ones.
    private static List<List<int>> Runs(Curve c, Func<double, bool> drawn)
    {
        var runs = new List<List<int>>();
        List<int>? current = null;
        for (var i = 0; i < Math.Min(c.X.Length, c.Y.Length); i++)
        {
            if (double.IsFinite(c.X[i]) && drawn(c.Y[i])) (current ??= AddRun(runs)).Add(i);
            else current = null;
        }
        return runs;
    }

    private static List<int> AddRun(List<List<int>> runs)
    {
        var run = new List<int>();
        runs.Add(run);
        return run;
    }

    // A range widened by a share of its span at both ends, or by a fixed amount when it is a single value.
    private static (double Min, double Max) Pad(double min, double max, double share, double single) =>
        max > min ? (min - (max - min) * share, max + (max - min) * share) : (min - single, max + single);

    private static string N(double v) => v.ToString("0.#", Inv);
}
