namespace Functional.Shell.Verdicts;

/// <summary>A blob classifier's final numbers.</summary>
/// <param name="Samples">Training points.</param>
/// <param name="TestSamples">Test points.</param>
/// <param name="SameCenters">Whether the test points were drawn around the training clusters.</param>
/// <param name="TestLossBefore">Test BCE at the initial weights.</param>
/// <param name="TestLossAfter">Test BCE after training.</param>
/// <param name="TrainCorrect">Training points classified right after training (p ≥ 0.5 is label 1).</param>
/// <param name="TestCorrect">Test points classified right after training.</param>
/// <param name="Centers">The training clusters' centres (cluster 0 first; label 0 is cluster 0).</param>
/// <param name="ProbabilityAtCenters">The network's p(label 1) at each centre.</param>
internal sealed record BlobsSummary(int Samples, int TestSamples, bool SameCenters, double TestLossBefore, double TestLossAfter,
    int TrainCorrect, int TestCorrect, double[][] Centers, double[] ProbabilityAtCenters) : RunSummary
{
    /// <summary>Training accuracy.</summary>
    public double TrainAccuracy => (double)TrainCorrect / Samples;

    /// <summary>Test accuracy.</summary>
    public double TestAccuracy => (double)TestCorrect / TestSamples;
}

/// <summary>What a blob classifier's run says: test loss before and after against a coin toss, accuracy, and where the boundary runs.</summary>
internal static class BlobsVerdict
{
    public static IReadOnlyList<string> Lines(BlobsSummary s)
    {
        var coin = Math.Log(2); // BCE of always answering p = 0.5
        var learned = s.TestLossAfter < s.TestLossBefore && s.TestLossAfter < coin;
        var lines = new List<string>
        {
            $"test loss {Say.Loss(s.TestLossBefore)} before training, {Say.Loss(s.TestLossAfter)} after (BCE; always answering p = 0.5 scores ln 2 = {Say.Num(coin)}): "
            + (learned ? "the network learned to tell cluster 0 from the rest" : "the network did not learn to tell cluster 0 from the rest"),
            $"accuracy (p ≥ 0.5 counts as label 1): train {Say.Percent(s.TrainAccuracy)} ({s.TrainCorrect}/{s.Samples}), test {Say.Percent(s.TestAccuracy)} ({s.TestCorrect}/{s.TestSamples})",
        };
        var others = Enumerable.Range(1, s.Centers.Length - 1).ToList();
        var wrongSide = (s.ProbabilityAtCenters[0] >= 0.5 ? [0] : new List<int>()).Concat(others.Where(k => s.ProbabilityAtCenters[k] < 0.5)).ToList();
        var at = $"p(label 1) is {Say.Num(s.ProbabilityAtCenters[0])} at cluster 0's centre {Point(s.Centers[0])} and "
                 + $"{Say.List(others.Select(k => Say.Num(s.ProbabilityAtCenters[k])))} at the other{(others.Count == 1 ? "" : "s'")} {Say.List(others.Select(k => Point(s.Centers[k])))}";
        lines.Add(wrongSide.Count == 0
            ? $"the boundary: {at}, so the p = 0.5 line (black in boundary.png) runs between cluster 0 and the rest"
            : $"the boundary: {at}: {Say.List(wrongSide.Select(k => $"cluster {k}'s centre"))} {(wrongSide.Count == 1 ? "lies" : "lie")} on the wrong side of p = 0.5 (boundary.png)");
        if (!s.SameCenters)
            lines.Add("note: as in the tutorial's literal second make_blobs call, the test points sit around new random centres, so the test set's cluster 0 is not where "
                      + "training's was and test accuracy is mostly luck; without --new-test-centers they are drawn around the training clusters");
        return lines;
    }

    private static string Point(double[] p) => $"({Say.Num(p[0])}, {Say.Num(p[1])})";
}
