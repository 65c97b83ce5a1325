namespace Functional.Training.Analysis;

/// <summary>Reading a training run's loss curve: divergence and the ends of plateaus.</summary>
public static class Curves
{
    /// <summary>An epoch loss above this many times the first epoch's counts as exploding.</summary>
    public const double ExplodeFactor = 10;
    /// <summary>An epoch loss above this counts as exploding whatever the start (XOR targets are O(1), so MSE this large is far off).</summary>
    public const double ExplodeAbsolute = 100;

    /// <summary>
    /// Whether a run diverged: some epoch loss is NaN or infinite, or the loss exploded (the last epoch's loss is above
    /// <see cref="ExplodeFactor"/> × the first's, or any epoch's above <see cref="ExplodeAbsolute"/>). An empty curve has not diverged.
    /// </summary>
    public static bool Diverged(IReadOnlyList<double> epochLosses)
    {
        if (epochLosses.Count == 0) return false;
        if (epochLosses.Any(l => !double.IsFinite(l))) return true;
        return epochLosses[^1] > ExplodeFactor * epochLosses[0] || epochLosses.Any(l => l > ExplodeAbsolute);
    }

    /// <summary>
    /// Epochs (1-based) at which a plateau of the loss ends: after at least <paramref name="minLength"/> consecutive epochs
    /// whose loss changes by less than <paramref name="flat"/> (relative, per epoch), the first epoch whose loss falls by at
    /// least <paramref name="drop"/> relative to the epoch before (falls in between neither extend nor end it). A flat stretch at the end of training (converged, or
    /// still stuck) ends no plateau. Non-finite losses end the search.
    /// </summary>
    public static IReadOnlyList<int> PlateauEnds(IReadOnlyList<double> epochLosses, int minLength = 3, double flat = 0.01, double drop = 0.02)
    {
        var ends = new List<int>();
        var flatRun = 0;
        for (var e = 1; e < epochLosses.Count; e++)
        {
            double previous = epochLosses[e - 1], current = epochLosses[e];
            if (!double.IsFinite(previous) || !double.IsFinite(current) || previous <= 0) break;
            var change = (previous - current) / previous;
            if (Math.Abs(change) < flat)
                flatRun++;
            else if (change >= drop)
            {
                if (flatRun >= minLength) ends.Add(e + 1); // index e is epoch e + 1
                flatRun = 0;
            }
            else if (change < 0)
                flatRun = 0; // rising: no plateau
            // a fall between flat and drop neither extends nor ends the plateau: the descent may be starting
        }
        return ends;
    }
}
