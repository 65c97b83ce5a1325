using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Training.Data;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Data;

/// <summary>
/// Invariants of src/Training/Data/Batching.cs. Sample i has inputs [i, −i] and target i, so a batch shows which
/// samples it holds and whether inputs and targets stayed paired.
/// </summary>
public sealed class BatchingProperties
{
    [Property]
    public void A_shuffled_epoch_visits_every_sample_exactly_once(EpochCase c)
    {
        using var scope = NewDisposeScope();
        var (x, y) = Samples(c.Samples);
        var epoch = Batching.Shuffled(x, y, c.BatchSize, Rng.Seed(c.Seed));
        var visited = AssertWellFormed(epoch.GatherAll(), c);
        Assert.Equal(Enumerable.Range(0, c.Samples), visited.Order());
        // The same Rng gives the same order; the epoch hands back an advanced Rng for the next one.
        var again = Batching.Shuffled(x, y, c.BatchSize, Rng.Seed(c.Seed));
        Assert.Equal(visited, AssertWellFormed(again.GatherAll(), c));
        Assert.Equal(epoch.Rng, again.Rng);
    }

    [Property]
    public void An_in_order_epoch_visits_every_sample_once_in_order(EpochCase c)
    {
        using var scope = NewDisposeScope();
        var (x, y) = Samples(c.Samples);
        var rng = Rng.Seed(c.Seed);
        var epoch = Batching.InOrder(x, y, c.BatchSize, rng);
        Assert.Equal(Enumerable.Range(0, c.Samples), AssertWellFormed(epoch.GatherAll(), c));
        Assert.Equal(rng, epoch.Rng);
        var full = Batching.FullBatch(x, y, rng);
        Assert.Equal(Enumerable.Range(0, c.Samples), AssertWellFormed(full.GatherAll(), c with { BatchSize = c.Samples }));
    }

    [Property]
    public void A_split_partitions_the_samples(SplitCase c)
    {
        using var scope = NewDisposeScope();
        var trainCount = (long)Math.Round(c.Samples * c.TrainFraction);
        if (trainCount < 1 || trainCount >= c.Samples)
        {
            Assert.Throws<ArgumentException>(() => Batching.Split(c.Samples, c.TrainFraction, c.Mode, Rng.Seed(c.Seed)));
            return;
        }
        var (split, _) = Batching.Split(c.Samples, c.TrainFraction, c.Mode, Rng.Seed(c.Seed));
        var train = split.Train.data<long>().ToArray();
        var test = split.Test.data<long>().ToArray();
        Assert.Equal(trainCount, train.Length);
        Assert.Equal(c.Samples - trainCount, test.Length);
        Assert.Equal(Enumerable.Range(0, c.Samples).Select(i => (long)i), train.Concat(test).Order());
        if (c.Mode == SplitMode.Sequential)
            Assert.Equal(Enumerable.Range(0, (int)trainCount).Select(i => (long)i), train);
        var (again, _) = Batching.Split(c.Samples, c.TrainFraction, c.Mode, Rng.Seed(c.Seed));
        Assert.Equal(train, again.Train.data<long>().ToArray());
    }

    // XOR data invariants (parity of the generated inputs/labels) belong here once the XOR work adds its data set.

    internal static (Tensor X, Tensor Y) Samples(int n)
    {
        var i = arange(n, dtype: ScalarType.Float32);
        return (stack([i, i.neg()], 1), arange(n, dtype: ScalarType.Int64));
    }

    /// <summary>Checks batch sizes and input/target pairing; returns the sample ids in visiting order.</summary>
    internal static List<int> AssertWellFormed(IReadOnlyList<Batch> batches, EpochCase c)
    {
        Assert.Equal(Batching.BatchCount(c.Samples, c.BatchSize), batches.Count);
        Assert.Equal(c.Samples, batches.Sum(b => b.Inputs.shape[0]));
        var ids = new List<int>();
        for (var k = 0; k < batches.Count; k++)
        {
            var b = batches[k];
            var size = b.Inputs.shape[0];
            Assert.Equal(k < batches.Count - 1 ? c.BatchSize : c.Samples - c.BatchSize * (batches.Count - 1), size);
            Assert.Equal(size, b.Targets.shape[0]);
            var targets = TensorAssert.Values(b.Targets).Select(v => (long)v).ToArray();
            var inputs = TensorAssert.Values(b.Inputs);
            for (var j = 0; j < size; j++)
            {
                Assert.Equal(targets[j], inputs[2 * j]);
                Assert.Equal(-targets[j], inputs[2 * j + 1]);
            }
            ids.AddRange(targets.Select(t => (int)t));
        }
        return ids;
    }
}
