namespace Functional.Shell.Verdicts;

/// <summary>
/// The shell's one voice: how every command writes a share, a count, a loss, a list, an epoch line and what it wrote.
/// Pure text functions (no console), shared by the console summaries and anything else that shows a run's words.
/// </summary>
internal static class Say
{
    /// <summary>A fraction as a percentage with one decimal, e.g. <c>93.5 %</c>; <c>n/a</c> when not a number.</summary>
    public static string Percent(double fraction) => double.IsFinite(fraction) ? fraction.ToString("P1", Inv) : "n/a";

    /// <summary><paramref name="n"/> with its noun, e.g. <c>1 rate</c>, <c>2 rates</c>.</summary>
    public static string Count(long n, string singular, string? plural = null) =>
        $"{n.ToString("N0", Inv)} {(n == 1 ? singular : plural ?? singular + "s")}";

    /// <summary>Items as an English list: <c>a</c>, <c>a and b</c>, <c>a, b and c</c>.</summary>
    public static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count switch
        {
            0 => "",
            1 => all[0],
            _ => string.Join(", ", all.Take(all.Count - 1)) + " and " + all[^1],
        };
    }

    /// <summary>A loss or other measured number with 6 significant digits (as epoch lines and tables show them), e.g. <c>0.0161569</c>, <c>7.95601e-09</c>.</summary>
    public static string Loss(double x) => Number(x, 6);

    /// <summary>A number in a sentence, with 3 significant digits: <c>5.71</c>, <c>0.0142</c>, <c>518</c>, <c>1.2e-05</c>.</summary>
    public static string Num(double x) => Number(x, 3);

    /// <summary>A number with <paramref name="digits"/> significant digits, a lower-case exponent only where needed; NaN and infinities by name.</summary>
    public static string Number(double x, int digits)
    {
        if (!double.IsFinite(x)) return x.ToString(Inv);
        if (x != 0 && Math.Abs(x) >= 1e-4 && Math.Abs(x) < Math.Pow(10, digits))
        {
            // Fixed notation: G gives exponents for values like 1e-4 or 123456 with few digits; rounding to significant digits by hand avoids them.
            var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(x)));
            var decimals = Math.Max(0, digits - 1 - magnitude);
            var rounded = Math.Round(x, Math.Min(decimals, 15));
            return rounded.ToString("0." + new string('#', Math.Min(decimals, 15)), Inv);
        }
        return x.ToString("G" + digits, Inv).Replace("E", "e", StringComparison.Ordinal);
    }

    /// <summary>A ratio such as <c>518×</c> or <c>1.4×</c>.</summary>
    public static string Times(double ratio) => Num(ratio) + "×";

    /// <summary>
    /// One epoch's line, the same in every command: <c>epoch  12/100  train loss 0.224886  test loss 0.254186  accuracy 47.6 %</c>
    /// (the test loss named <paramref name="held"/>, e.g. "validation", and left out with the accuracy when absent).
    /// The train loss is the mean of the epoch's step losses, each taken before its update.
    /// </summary>
    public static string EpochLine(int epoch, int epochs, double trainLoss, double? heldLoss = null, double? accuracy = null, string held = "test")
    {
        var width = epochs.ToString(Inv).Length;
        var line = $"epoch {epoch.ToString(Inv).PadLeft(width)}/{epochs.ToString(Inv)}  train loss {Loss(trainLoss)}";
        if (heldLoss is { } h) line += $"  {held} loss {Loss(h)}";
        if (accuracy is { } a) line += $"  accuracy {Percent(a)}";
        return line;
    }

    /// <summary>What a run wrote, announced one way: <c>wrote to runs/xor/20261130-131000: xor-loss.png, checkpoints/step-000050000</c>.</summary>
    public static string Wrote(string folder, IEnumerable<string> paths)
    {
        var names = paths.Select(p => Path.GetRelativePath(folder, p) is var r && !r.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(r) ? r : p);
        return $"wrote to {RunFolder.Display(folder)}: {string.Join(", ", names)}";
    }

    /// <summary>
    /// Positions in an ordered sequence (ascending), told as runs of neighbours through <paramref name="show"/>:
    /// <c>0.0001</c>, <c>0.0001, 0.000178</c>, <c>0.000316 … 0.562</c>, joined as a list.
    /// </summary>
    public static string Ranges(IReadOnlyList<int> indices, Func<int, string> show)
    {
        var parts = new List<string>();
        for (var i = 0; i < indices.Count;)
        {
            var j = i;
            while (j + 1 < indices.Count && indices[j + 1] == indices[j] + 1) j++;
            parts.Add(j == i ? show(indices[i]) : j == i + 1 ? $"{show(indices[i])}, {show(indices[j])}" : $"{show(indices[i])} … {show(indices[j])}");
            i = j + 1;
        }
        return List(parts);
    }
}
