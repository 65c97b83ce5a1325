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

/// <summary>Where a panel's legend goes: the corner of its data area.</summary>
internal enum Corner
{
    /// <summary>Upper right.</summary>
    UpperRight,
    /// <summary>Lower right.</summary>
    LowerRight,
    /// <summary>Upper left.</summary>
    UpperLeft,
    /// <summary>Lower left.</summary>
    LowerLeft,
}

/// <summary>What every drawing of panels shares, whatever draws them (<see cref="SvgPanels"/> for reports, <see cref="CurvePanels"/> for PNGs).</summary>
internal static class PanelStyle
{
    /// <summary>Ten distinguishable colours (matplotlib's tab10), in the order runs and parts take them.</summary>
    public static readonly IReadOnlyList<string> Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The width and height of one panel in pixels.</summary>
    public const int PanelWidth = 640, PanelHeight = 460;

    /// <summary>A curve's colour as drawn: a faint one is the same hue mixed two thirds with white.</summary>
    public static string Stroke(Curve c) => c.Faint ? Lighter(c.Color) : c.Color;

    /// <summary>A curve's line width in pixels: 1 for a faint one, else 2.</summary>
    public static float Width(Curve c) => c.Faint ? 1 : 2;

    /// <summary>
    /// The corner of the panel's data area that its curves cross least (counted along each line, in the axis' scale),
    /// where a legend hides the least: upper right for a falling loss, lower right for a rising accuracy.
    /// </summary>
    public static Corner EmptiestCorner(Panel panel, bool logY)
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
        if (points.Count == 0) return Corner.UpperRight;
        var (x0, x1, y0, y1) = (points.Min(p => p.X), points.Max(p => p.X), points.Min(p => p.Y), points.Max(p => p.Y));
        double Fx(double x) => x1 > x0 ? (x - x0) / (x1 - x0) : 0.5;
        double Fy(double y) => y1 > y0 ? (y - y0) / (y1 - y0) : 0.5;
        (Corner Corner, Func<double, double, bool> Inside)[] corners =
        [
            (Corner.UpperRight, (x, y) => x > 0.55 && y > 0.6),
            (Corner.LowerRight, (x, y) => x > 0.55 && y < 0.4),
            (Corner.UpperLeft, (x, y) => x < 0.45 && y > 0.6),
            (Corner.LowerLeft, (x, y) => x < 0.45 && y < 0.4),
        ];
        return corners.MinBy(c => points.Count(p => c.Inside(Fx(p.X), Fy(p.Y)))).Corner;
    }

    private static string Lighter(string hex)
    {
        var rgb = Convert.FromHexString(hex.TrimStart('#')[..6]);
        static byte Mix(byte v) => (byte)(v + (255 - v) * 2 / 3);
        return $"#{Mix(rgb[0]):x2}{Mix(rgb[1]):x2}{Mix(rgb[2]):x2}";
    }
}
