namespace Functional.Shell.Verdicts;

/// <summary>A test digit the run showed (<c>--show K</c>): its index, true label, and the network's probabilities per digit.</summary>
internal sealed record ShownDigit(int Index, int Truth, double[] Probabilities)
{
    /// <summary>The digit the network predicts (the most probable).</summary>
    public int Predicted => Array.IndexOf(Probabilities, Probabilities.Max());
}

/// <summary>An MNIST run's final numbers.</summary>
/// <param name="TrainImages">Images trained on.</param>
/// <param name="Confusion">The test confusion matrix, [true digit][predicted digit].</param>
/// <param name="Shown">The digit <c>--show</c> asked for, or null.</param>
internal sealed record MnistSummary(long TrainImages, int[][] Confusion, ShownDigit? Shown) : RunSummary
{
    /// <summary>Test digits.</summary>
    public int Total => Confusion.Sum(r => r.Sum());

    /// <summary>Test digits classified right.</summary>
    public int Correct => Confusion.Select((r, t) => r[t]).Sum();

    /// <summary>Test accuracy.</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;
}

/// <summary>What an MNIST run says: accuracy against guessing, which digits it confuses most, its hardest and easiest digit, and the shown digit's prediction.</summary>
internal static class MnistVerdict
{
    public static IReadOnlyList<string> Lines(MnistSummary s)
    {
        var classes = s.Confusion.Length;
        var lines = new List<string>
        {
            $"test accuracy {Say.Percent(s.Accuracy)} ({s.Correct.ToString("N0", Inv)} of {s.Total.ToString("N0", Inv)} digits right; guessing would score {Say.Percent(1.0 / classes)})",
        };
        var mistakes = (from t in Enumerable.Range(0, classes) from p in Enumerable.Range(0, classes)
                        where t != p && s.Confusion[t][p] > 0
                        orderby s.Confusion[t][p] descending, t, p
                        select (True: t, Predicted: p, Count: s.Confusion[t][p])).Take(3).ToList();
        lines.Add(mistakes.Count == 0
            ? "no digit was confused with another"
            : "most confused: " + Say.List(mistakes.Select((m, i) => i == 0 ? $"{m.True} taken for {m.Predicted} ({Say.Count(m.Count, "time")})" : $"{m.True} for {m.Predicted} ({m.Count})")));
        var share = Enumerable.Range(0, classes).Where(t => s.Confusion[t].Sum() > 0)
            .Select(t => (Digit: t, Right: (double)s.Confusion[t][t] / s.Confusion[t].Sum())).ToList();
        if (share.Count > 1)
        {
            var hardest = share.OrderBy(x => x.Right).ThenBy(x => x.Digit).First();
            var easiest = share.OrderByDescending(x => x.Right).ThenBy(x => x.Digit).First();
            lines.Add($"hardest digit {hardest.Digit} ({Say.Percent(hardest.Right)} right), easiest {easiest.Digit} ({Say.Percent(easiest.Right)})");
        }
        if (s.Shown is { } d)
            lines.Add($"test digit {d.Index} is {(d.Truth == 8 ? "an" : "a")} {d.Truth}; the network says {d.Predicted} ({Say.Percent(d.Probabilities[d.Predicted])}): "
                      + (d.Predicted == d.Truth ? "right" : $"wrong (it gives the true {d.Truth} only {Say.Percent(d.Probabilities[d.Truth])})"));
        else
            lines.Add("to see what it says about one digit: --show K draws test digit K with its top 3; mnist predict IMAGE --model RUN reads your own");
        return lines;
    }
}
