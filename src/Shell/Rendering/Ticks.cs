namespace Functional.Shell.Rendering;

/// <summary>A tick on an axis: where it stands (in the axis' own scale: log10 of the value on a log axis) and its label (empty for a minor tick).</summary>
internal readonly record struct Tick(double At, string Label)
{
    /// <summary>A tick drawn without a label.</summary>
    public bool Minor => Label.Length == 0;
}

/// <summary>Where an axis' ticks go and how they read, for every plot (ScottPlot's and the reports' SVG panels alike).</summary>
internal static class Ticks
{
    /// <summary>
    /// The ticks of a log10 axis over <paramref name="values"/>: the powers of ten, and where they span less than two
    /// decades also 2 and 5 times them, each labelled as a plain decimal (<see cref="LogLabel"/>); the other multiples as
    /// minor ticks. Positions are log10 of the values, from one decade below the smallest to one above the largest.
    /// </summary>
    public static IReadOnlyList<Tick> Log(IEnumerable<double> values)
    {
        var logs = values.Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToList();
        var ticks = new List<Tick>();
        if (logs.Count == 0) return ticks;
        var (lo, hi) = ((int)Math.Floor(logs.Min()) - 1, (int)Math.Ceiling(logs.Max()) + 1);
        var narrow = logs.Max() - logs.Min() < 2;
        for (var k = lo; k <= hi; k++)
        {
            ticks.Add(new Tick(k, LogLabel(k)));
            foreach (var m in new[] { 2, 3, 4, 5, 6, 7, 8, 9 })
                ticks.Add(new Tick(k + Math.Log10(m), narrow && m is 2 or 5 ? Decimal(m * Math.Pow(10, k)) : ""));
        }
        return ticks;
    }

    /// <summary>
    /// About <paramref name="target"/> labelled ticks over [<paramref name="min"/>, <paramref name="max"/>] at 1, 2 or 5
    /// times a power of ten apart, each labelled with as many decimals as the step needs. With
    /// <paramref name="integers"/> (epochs) whole numbers only, at least 1 apart (no epoch 1.5), unless that leaves fewer
    /// than two ticks (a run of part of an epoch, drawn step by step).
    /// </summary>
    public static IReadOnlyList<Tick> Linear(double min, double max, bool integers = false, int target = 6)
    {
        if (!(max > min) || !double.IsFinite(min) || !double.IsFinite(max)) return [];
        var raw = (max - min) / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var norm = raw / magnitude;
        var step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
        if (integers && Math.Floor(max) - Math.Ceiling(min) >= 1) step = Math.Max(1, Math.Round(step));
        var decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step) + 1e-9), 0, 12);
        var ticks = new List<Tick>();
        for (var i = Math.Ceiling(min / step - 1e-9); i * step <= max + step * 1e-9; i++)
        {
            var at = i * step;
            ticks.Add(new Tick(at, Math.Abs(at) >= 1e6 || decimals > 6 ? at.ToString("0.##e0", Inv) : (at + 0.0).ToString("F" + decimals, Inv)));
        }
        return ticks;
    }

    /// <summary>The label of the power of ten 10^<paramref name="exponent"/>: <c>0.01</c>, <c>1</c>, <c>1000</c> (a plain decimal from 1e-6 to 1e6, else <c>1e-7</c>).</summary>
    public static string LogLabel(int exponent) => Decimal(Math.Pow(10, exponent));

    private static string Decimal(double v) =>
        v >= 1e-6 && v <= 1e6 ? decimal.Round((decimal)v, 6).ToString("0.######", Inv) : v.ToString("0e0", Inv);
}
