namespace Functional.Shell.Verdicts;

/// <summary>One XOR run's final numbers.</summary>
/// <param name="Activation">Hidden activation.</param>
/// <param name="Center">Whether the data are centred ({−1, 1}).</param>
/// <param name="Inputs">Input bits (2 = XOR, more = parity).</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Accuracy">Final test accuracy: the share of test samples with round(output) = round(target).</param>
/// <param name="TestLoss">Final test loss (MSE).</param>
/// <param name="FirstPerfectEpoch">The first epoch with 100 % test accuracy, or null.</param>
/// <param name="TestSamples">Test samples the accuracy is over.</param>
/// <param name="PlateauEnds">Epochs at which a plateau of the training loss ended (the loss fell after staying flat).</param>
/// <param name="FlatAtEnd">Epochs the training loss had stayed flat (changes under 1 % an epoch) when the run ended.</param>
/// <param name="Rounded">How the final test outputs round: [to the low class (0, or −1 centred), to 1, to neither].</param>
/// <param name="HighShare">The share of test samples whose target is the high class (1).</param>
internal sealed record XorSummary(string Activation, bool Center, int Inputs, int Epochs, double Accuracy, double TestLoss, int? FirstPerfectEpoch,
    int TestSamples, int[] PlateauEnds, int FlatAtEnd, int[] Rounded, double HighShare) : RunSummary;

/// <summary>What one XOR run says: accuracy and what it measures, whether and when XOR was learned, and the plateaus its loss sat on.</summary>
internal static class XorVerdict
{
    /// <summary>The accuracy measure, as help texts and table headers state it.</summary>
    public const string AccuracyMeaning = "accuracy = share of test samples with round(output) = round(target), the tutorial's measure";

    public static IReadOnlyList<string> Lines(XorSummary s)
    {
        var task = s.Inputs == 2 ? "XOR" : $"{s.Inputs}-input parity";
        var lines = new List<string>
        {
            $"after {Say.Count(s.Epochs, "epoch")}: test accuracy {Say.Percent(s.Accuracy)} of {s.TestSamples} samples, test loss {Say.Loss(s.TestLoss)}; "
            + (s.FirstPerfectEpoch is { } f ? $"100 % first at epoch {f}" : "never 100 %"),
        };
        if (s.Accuracy >= 1) lines.Add($"the network learned {task}");
        else
        {
            lines.Add($"the network has not learned {task} (yet)");
            var (low, high, neither) = (s.Rounded[0], s.Rounded[1], s.Rounded[2]);
            var (lowName, n) = (s.Center ? "−1" : "0", (double)s.TestSamples);
            if (neither > 0.2 * n)
                lines.Add($"{Say.Percent(neither / n)} of the test outputs round to neither class ({(s.Center ? "to 0, between −1 and 1" : "below 0 or above 1")}): a sample counts as right "
                          + "only when round(output) = round(target) (the tutorial's measure), so those are wrong whatever their target"
                          + (s.Accuracy < 0.5 ? ", which is how the accuracy falls below a coin toss" : ""));
            else if (Math.Max(low, high) > 0.9 * n)
            {
                var (answer, share) = high > low ? ("1", s.HighShare) : (lowName, 1 - s.HighShare);
                lines.Add($"it answers {answer} for {Say.Percent(Math.Max(low, high) / n)} of the test samples, so its accuracy is about the share of samples whose target is {answer} "
                          + $"({Say.Percent(share)}): no better than always guessing one class");
            }
        }
        if (s.PlateauEnds.Length > 0)
            lines.Add($"its training loss sat on a plateau and then fell (plateau end{(s.PlateauEnds.Length == 1 ? "" : "s")} at epoch {Say.List(s.PlateauEnds.Select(e => e.ToString(Inv)))}): "
                      + "a flat loss was no sign that it had stopped learning");
        if (s.Accuracy < 1 && s.FlatAtEnd >= 3)
            lines.Add($"its training loss has been flat for the last {Say.Count(s.FlatAtEnd, "epoch")}: a plateau can last dozens of epochs before the loss falls; "
                      + "try more --epochs (xor-experiments --only 4 shows where sigmoid's plateaus end)");
        return lines;
    }

    /// <summary>Epochs at the end of <paramref name="epochLosses"/> over which the loss changed by less than 1 % an epoch.</summary>
    public static int FlatAtEnd(IReadOnlyList<double> epochLosses)
    {
        var n = 0;
        for (var e = epochLosses.Count - 1; e > 0; e--)
        {
            var (previous, current) = (epochLosses[e - 1], epochLosses[e]);
            if (!double.IsFinite(previous) || !double.IsFinite(current) || previous <= 0 || Math.Abs(previous - current) / previous >= 0.01) break;
            n++;
        }
        return n;
    }
}
