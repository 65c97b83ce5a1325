using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Data;

/// <summary>How a data set is cut into train and test parts.</summary>
public enum SplitMode
{
    /// <summary>The first fraction of the samples train, the rest test (for a 1-D curve: the rest is extrapolation).</summary>
    Sequential,
    /// <summary>A random permutation decides, drawn from the run's Rng.</summary>
    Random,
}

/// <summary>Train and test sample indices (int64), disjoint and together covering every sample once.</summary>
public sealed record SplitIndices(Tensor Train, Tensor Test) : IDisposable
{
    /// <summary>Frees both index tensors.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>Pure data plumbing shared by the exercises: epochs of batches, shuffles and splits.</summary>
public static class Batching
{
    /// <summary>One batch holding the whole data set, every epoch; draws nothing.</summary>
    public static EpochData FullBatch(Tensor inputs, Tensor targets, Rng rng) =>
        new([new Batch(inputs.alias(), targets.alias())], rng);

    /// <summary>
    /// Batches of <paramref name="batchSize"/> in order (the last may be smaller), as <c>DataLoader(shuffle=False)</c>; draws nothing.
    /// </summary>
    public static EpochData InOrder(Tensor inputs, Tensor targets, int batchSize, Rng rng)
    {
        RequireBatchSize(batchSize);
        return new([.. Starts(inputs.shape[0], batchSize).Select(s => new Batch(inputs.narrow(0, s.Start, s.Length), targets.narrow(0, s.Start, s.Length)))], rng);
    }

    /// <summary>
    /// A fresh permutation of the samples (<c>torch.randperm(n)</c> from <paramref name="rng"/>), cut into batches of
    /// <paramref name="batchSize"/> (the last may be smaller). Every sample appears in exactly one batch.
    /// </summary>
    public static EpochData Shuffled(Tensor inputs, Tensor targets, int batchSize, Rng rng)
    {
        RequireBatchSize(batchSize);
        var n = inputs.shape[0];
        var (perm, next) = rng.RandPerm(n);
        using (perm)
            return new(InOrderOf(inputs, targets, perm, batchSize), next);
    }

    /// <summary>
    /// The samples in the given <paramref name="order"/> (int64 indices), cut into batches of <paramref name="batchSize"/>
    /// (the last may be smaller); each batch holds new tensors, so the order may be disposed afterwards.
    /// </summary>
    internal static IReadOnlyList<Batch> InOrderOf(Tensor inputs, Tensor targets, Tensor order, int batchSize) =>
        [.. Starts(order.shape[0], batchSize).Select(s =>
        {
            using var idx = order.narrow(0, s.Start, s.Length);
            return new Batch(inputs.index_select(0, idx), targets.index_select(0, idx));
        })];

    /// <summary>The number of batches an epoch of <paramref name="n"/> samples has at <paramref name="batchSize"/>.</summary>
    public static int BatchCount(long n, int batchSize)
    {
        RequireBatchSize(batchSize);
        return (int)((n + batchSize - 1) / batchSize);
    }

    /// <summary>
    /// Splits <paramref name="n"/> samples: the train part gets round(n·<paramref name="trainFraction"/>) samples, the
    /// test part the rest (both must be non-empty). Sequential splits draw nothing; random ones draw one permutation.
    /// </summary>
    public static Drawn<SplitIndices> Split(long n, double trainFraction, SplitMode mode, Rng rng)
    {
        if (!(trainFraction > 0 && trainFraction < 1))
            throw new ArgumentException($"the train fraction must be between 0 and 1 (exclusive), got {trainFraction}");
        var trainCount = (long)Math.Round(n * trainFraction);
        if (trainCount < 1 || trainCount >= n)
            throw new ArgumentException($"a split of {n} samples at {trainFraction} leaves an empty part");
        var (order, next) = mode == SplitMode.Random ? rng.RandPerm(n) : new Drawn<Tensor>(arange(n, dtype: ScalarType.Int64), rng);
        using (order)
            return new(new SplitIndices(order.narrow(0, 0, trainCount).clone(), order.narrow(0, trainCount, n - trainCount).clone()), next);
    }

    private static IEnumerable<(long Start, long Length)> Starts(long n, int batchSize)
    {
        for (long s = 0; s < n; s += batchSize)
            yield return (s, Math.Min(batchSize, n - s));
    }

    private static void RequireBatchSize(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentException($"a batch size must be positive, got {batchSize}");
    }
}
