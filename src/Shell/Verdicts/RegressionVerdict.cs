namespace Functional.Shell.Verdicts;

/// <summary>One training of a curve fit (a weight-decay comparison has two).</summary>
/// <param name="WeightDecay">The optimizer's weight decay.</param>
/// <param name="EpochsRun">Epochs trained.</param>
/// <param name="LastEpochLoss">The last epoch line's train loss: the mean of its step losses, each before its update.</param>
/// <param name="FinalTrainLoss">MSE on the training points after the last update.</param>
/// <param name="FinalValLoss">Validation loss after the last update (null without a split).</param>
/// <param name="LowestValLoss">The lowest validation loss of any epoch.</param>
/// <param name="LowestValEpoch">The epoch of <paramref name="LowestValLoss"/>.</param>
/// <param name="WeightNorm">‖θ‖, the Euclidean norm of every parameter after training.</param>
/// <param name="Bending">∫|f″(x)| dx of the fit over the training range: how much the fitted curve bends.</param>
/// <param name="StepsPerEpoch">Optimizer steps per epoch.</param>
/// <param name="StepSpread">Mini-batches: the standard deviation of the last epoch's step losses over their mean; null for full batch.</param>
internal sealed record FitRun(double WeightDecay, int EpochsRun, double LastEpochLoss, double FinalTrainLoss, double? FinalValLoss, double? LowestValLoss,
    int? LowestValEpoch, double WeightNorm, double Bending, int StepsPerEpoch, double? StepSpread);

/// <summary>A curve fit's final numbers: its setting, where its training and held-out points lie, and each training's results.</summary>
/// <param name="Activation">Hidden activation.</param>
/// <param name="Points">Points on [−3, 3].</param>
/// <param name="TrainPoints">Points trained on.</param>
/// <param name="Split">The train fraction, or null (no validation).</param>
/// <param name="SplitMode"><c>sequential</c> (held-out points are the right end) or <c>random</c>.</param>
/// <param name="BatchSize">Mini-batch size, or null for full batch.</param>
/// <param name="Noise">Standard deviation of the noise on the data.</param>
/// <param name="TrainRange">The training points' x range [min, max].</param>
/// <param name="TestRange">The held-out points' x range, or null.</param>
/// <param name="Runs">The trainings: one, or two for a weight-decay comparison (the run's own first).</param>
internal sealed record RegressionSummary(string Activation, int Points, int TrainPoints, double? Split, string SplitMode, int? BatchSize, double Noise,
    double[] TrainRange, double[]? TestRange, IReadOnlyList<FitRun> Runs) : RunSummary;

/// <summary>
/// What a curve fit says: how well it fits against the noise, whether it overfits and where (extrapolation on the
/// sequential split), whether weight decay helped and why (not) — computed from the numbers, never assumed — what decay
/// does do (weight norm, bending), and what mini-batching changes.
/// </summary>
internal static class RegressionVerdict
{
    public static IReadOnlyList<string> Lines(RegressionSummary s)
    {
        var lines = new List<string>();
        var noise = s.Noise * s.Noise;
        var compare = s.Runs.Count > 1;
        foreach (var r in s.Runs)
        {
            var ratio = r.FinalTrainLoss / noise;
            lines.Add((compare ? $"weight decay {r.WeightDecay.ToString(Inv)}: " : "")
                      + $"the fit's MSE on its {s.TrainPoints} training points is {Say.Loss(r.FinalTrainLoss)} after the last update "
                      + $"(epoch lines show each epoch's mean step loss, each before its update: {Say.Loss(r.LastEpochLoss)} in the last); "
                      + $"the noise alone has MSE {Say.Num(noise)} (σ = {s.Noise.ToString(Inv)}), and the fit's is {Say.Times(ratio)} that, "
                      + (ratio < 0.9 ? "below the noise: it is fitting the noise itself"
                          : ratio <= 2 ? "about as close as the noise allows"
                          : ratio <= 10 ? "close, with some of the curve not yet captured"
                          : "far from the best: much of the curve is not captured yet (more --epochs?)"));
        }
        var main = s.Runs[0];
        var range = $"x ∈ [{Say.Number(s.TrainRange[0], 4)}, {Say.Number(s.TrainRange[1], 4)}]";
        var held = s.TestRange is { } t ? $"x ∈ [{Say.Number(t[0], 4)}, {Say.Number(t[1], 4)}]" : "";
        var sequential = s.Split is not null && s.SplitMode == "sequential";
        if (s.Split is null)
            lines.Add("no validation: every point is trained on, so nothing measures overfitting (--split 0.8 holds out the right end, --preset split)");
        else if (main.FinalValLoss is { } val)
        {
            var ratio = val / main.FinalTrainLoss;
            if (sequential)
            {
                var seen = $"on the training range {range} the MSE is {Say.Num(main.FinalTrainLoss)}; on the held-out right end {held} it is {Say.Num(val)}, {Say.Times(ratio)} as much";
                lines.Add(ratio >= 1.5
                    ? $"does it overfit, and where? {seen}: the fit fails where the network never saw data"
                      + (Linear.TryGetValue(s.Activation, out var name) ? $", and past its data it goes on in a straight line ({name} is linear for large inputs)" : "")
                      + ". That is extrapolation, not a fit that follows the training points' noise, and fitting the seen range better cannot fix it"
                    : $"does it overfit, and where? {seen}: so far the fit carries over to the unseen end about as well as it fits the seen range");
            }
            else
                lines.Add($"the held-out points lie between training points (interpolation): validation MSE {Say.Num(val)} against {Say.Num(main.FinalTrainLoss)} in training "
                          + $"({Say.Times(ratio)}): " + (ratio < 1.5 ? "no overfitting to speak of" : "the fit follows the training noise between points (overfitting)"));
            if (main.LowestValLoss is { } low && main.LowestValEpoch is { } at)
                lines.Add(val > 1.1 * low
                    ? $"the validation loss was lowest at epoch {at} ({Say.Num(low)}) and rose to {Say.Num(val)}: training on made the held-out points worse"
                    : $"the validation loss was lowest at epoch {at} ({Say.Num(low)}) and ended at {Say.Num(val)}");
        }
        lines.AddRange(Decay(s, sequential, held));
        lines.Add(s.BatchSize is { } b
            ? $"mini-batches of {b}: {Say.Count(main.StepsPerEpoch, "update")} per epoch ({(main.StepsPerEpoch * (long)main.EpochsRun).ToString("N0", Inv)} in all) instead of 1, "
              + "each on a shuffled sample, so each step is cheaper and noisier"
              + (main.StepSpread is { } spread ? $": in the last epoch the batch losses spread ±{Say.Percent(spread)} around their mean" : "")
            : $"full batch: each epoch is one update on all {s.TrainPoints} training points; --batch-size 64 would take "
              + $"{Say.Count((s.TrainPoints + 63) / 64, "smaller, noisier update")} an epoch instead (--preset loader)");
        return lines;
    }

    private static IEnumerable<string> Decay(RegressionSummary s, bool sequential, string held)
    {
        var extrapolation = $"the held-out points {held} lie beyond the training range: that is extrapolation, and no penalty on the weights can tell the network "
                            + "what the curve does where it has no data";
        if (s.Runs.Count > 1)
        {
            var (without, with) = s.Runs[0].WeightDecay < s.Runs[1].WeightDecay ? (s.Runs[0], s.Runs[1]) : (s.Runs[1], s.Runs[0]);
            var name = $"weight decay {with.WeightDecay.ToString(Inv)}" + (without.WeightDecay == 0 ? "" : $" (against {without.WeightDecay.ToString(Inv)})");
            if (with.FinalValLoss is { } vw && without.FinalValLoss is { } vo)
            {
                var helped = vw < vo;
                yield return $"{name}: validation loss {Say.Num(vo)} without, {Say.Num(vw)} with: decay {(helped ? "helped" : "did not help")} here"
                             + (sequential
                                 ? helped ? $", although {extrapolation}; its flatter continuation happened to land closer" : $", because {extrapolation}"
                                 : helped ? ": between training points a smoother fit is closer to the curve"
                                 : $": the fit without decay already generalises between training points (validation {Say.Num(vo)} against training {Say.Num(without.FinalTrainLoss)})");
            }
            yield return $"what decay does do: the weight norm ‖θ‖ is {Say.Num(without.WeightNorm)} without and {Say.Num(with.WeightNorm)} with "
                         + $"({(with.WeightNorm < without.WeightNorm ? "smaller weights" : "not smaller here")}); over the training range the fit bends "
                         + $"{(with.Bending < without.Bending ? "less" : "no less")} (∫|f″|dx {Say.Num(without.Bending)} without, {Say.Num(with.Bending)} with"
                         + $"{(with.Bending < without.Bending ? ": a smoother fit" : "")})";
            if (sequential)
                yield return "to see decay where it can help, compare on --split-mode random: the held-out points then lie between training points";
        }
        else if (s.Runs[0].WeightDecay > 0)
        {
            yield return $"weight decay {s.Runs[0].WeightDecay.ToString(Inv)} pulls every weight toward 0 (‖θ‖ ends at {Say.Num(s.Runs[0].WeightNorm)}), which smooths the fit"
                         + (sequential ? $"; it cannot fix this split, because {extrapolation}" : "")
                         + $"; --compare-weight-decay 0 trains the same fit without it and compares the two";
        }
        else if (sequential)
            yield return $"weight decay would not fix this: it shrinks the weights and smooths the fit, but {extrapolation} "
                         + "(--compare-weight-decay 1e-3 shows it; --split-mode random holds out points between training points instead)";
    }

    // Activations that are linear for large inputs, by their usual names.
    private static readonly IReadOnlyDictionary<string, string> Linear = new Dictionary<string, string> { ["elu"] = "ELU", ["relu"] = "ReLU" };

    /// <summary>‖θ‖: the Euclidean norm of every parameter.</summary>
    public static double Norm(IEnumerable<double> theta) => Math.Sqrt(theta.Sum(v => v * v));

    /// <summary>
    /// ∫|f″(x)| dx of a function sampled at ascending, evenly spaced <paramref name="x"/>, over [<paramref name="from"/>,
    /// <paramref name="to"/>]: the total turning of its slope (second differences over the spacing).
    /// </summary>
    public static double Bending(IReadOnlyList<double> x, IReadOnlyList<double> y, double from, double to)
    {
        var sum = 0.0;
        for (var i = 1; i + 1 < x.Count; i++)
        {
            if (x[i - 1] < from || x[i + 1] > to) continue;
            var h = (x[i + 1] - x[i - 1]) / 2;
            sum += Math.Abs(y[i + 1] - 2 * y[i] + y[i - 1]) / h;
        }
        return sum;
    }

    /// <summary>The standard deviation of <paramref name="losses"/> over their mean (null for fewer than two).</summary>
    public static double? Spread(IReadOnlyList<double> losses)
    {
        if (losses.Count < 2) return null;
        var mean = losses.Average();
        var std = Math.Sqrt(losses.Sum(l => (l - mean) * (l - mean)) / (losses.Count - 1));
        return mean > 0 ? std / mean : null;
    }
}
