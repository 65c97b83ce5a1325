using Functional.Model;
using Functional.Training.Data;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Data;

/// <summary>
/// The edges of batching, splitting and the DataLoader: the smallest and largest batch sizes, splits that would leave
/// a part empty, and data that are not samples. <see cref="BatchingProperties"/> checks the invariants in between.
/// </summary>
public sealed class BoundsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_batch_size_below_1_is_refused_everywhere_before_anything_is_drawn(int batchSize)
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(5);
        var message = $"a batch size must be positive, got {batchSize}";
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Batching.InOrder(x, y, batchSize, Rng.Seed(1))).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Batching.Shuffled(x, y, batchSize, Rng.Seed(1))).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Batching.BatchCount(5, batchSize)).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => DataLoader.IterateInOrder(x, y, batchSize, Rng.Seed(1))).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => DataLoader.IterateShuffled(x, y, batchSize, Rng.Seed(1))).Message);
    }

    [Theory]
    [InlineData(1, 5, 5)]   // one sample per batch
    [InlineData(4, 5, 2)]   // the last batch smaller
    [InlineData(5, 5, 1)]   // exactly one full batch
    [InlineData(6, 5, 1)]   // a batch larger than the data: one batch of everything
    [InlineData(3, 0, 0)]   // no samples: no batches
    public void Batch_counts_and_sizes_at_the_edges(int batchSize, int samples, int batches)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(batches, Batching.BatchCount(samples, batchSize));
        var (x, y) = BatchingProperties.Samples(samples);
        var epoch = Batching.InOrder(x, y, batchSize, Rng.Seed(1));
        Assert.Equal(batches, epoch.Count);
        Assert.Equal(batches, epoch.GatherAll().Count);
        Assert.Equal(samples, epoch.GatherAll().Sum(b => b.Inputs.shape[0]));
        Assert.All(epoch.GatherAll(), b => Assert.InRange(b.Inputs.shape[0], 1, batchSize));
    }

    [Fact]
    public void A_full_batch_is_every_sample_as_new_handles_and_draws_nothing()
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(4);
        var rng = Rng.Seed(3);
        var epoch = Batching.FullBatch(x, y, rng);
        var batch = Assert.Single(epoch.GatherAll());
        Assert.Same(rng, epoch.Rng);
        Assert.False(ReferenceEquals(x, batch.Inputs) || ReferenceEquals(y, batch.Targets));
        Assert.Equal(TensorAssert.Bytes(x), TensorAssert.Bytes(batch.Inputs));
        Assert.Equal(TensorAssert.Bytes(y), TensorAssert.Bytes(batch.Targets));
    }

    [Theory]
    [InlineData(2, 0.5, 1)]     // the smallest split: one and one
    [InlineData(10, 0.01, -1)]  // round(0.1) = 0: an empty train part
    [InlineData(10, 0.99, -1)]  // round(9.9) = 10: an empty test part
    [InlineData(10, 0.05, -1)]  // round(0.5) = 0 (to even)
    [InlineData(10, 0.15, 2)]   // round(1.5) = 2 (to even)
    [InlineData(10, 0.94, 9)]
    [InlineData(1, 0.5, -1)]    // one sample cannot be split
    public void A_split_rounds_the_train_count_and_refuses_an_empty_part(int n, double fraction, int trainCount)
    {
        using var scope = NewDisposeScope();
        foreach (var mode in new[] { SplitMode.Sequential, SplitMode.Random })
        {
            if (trainCount < 0)
            {
                Assert.Equal($"a split of {n} samples at {fraction} leaves an empty part",
                    Assert.Throws<ArgumentException>(() => Batching.Split(n, fraction, mode, Rng.Seed(1))).Message);
                continue;
            }
            var (split, rng) = Batching.Split(n, fraction, mode, Rng.Seed(1));
            Assert.Equal(trainCount, split.Train.shape[0]);
            Assert.Equal(n - trainCount, split.Test.shape[0]);
            Assert.Equal(mode == SplitMode.Random, !rng.Equals(Rng.Seed(1))); // only a random split draws
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_train_fraction_outside_0_1_is_refused(double fraction) =>
        Assert.StartsWith("the train fraction must be between 0 and 1 (exclusive), got ",
            Assert.Throws<ArgumentException>(() => Batching.Split(10, fraction, SplitMode.Sequential, Rng.Seed(1))).Message);

    [Fact]
    public void A_split_owns_its_index_tensors()
    {
        var (split, _) = Batching.Split(6, 0.5, SplitMode.Random, Rng.Seed(2));
        var (train, test) = (split.Train, split.Test);
        Assert.Equal(ScalarType.Int64, train.dtype);
        split.Dispose();
        Assert.True(train.IsInvalid && test.IsInvalid);
    }

    [Fact]
    public void A_loader_over_one_sample_gives_one_batch_and_over_none_is_refused()
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(1);
        var epoch = DataLoader.IterateShuffled(x, y, 4, Rng.Seed(1));
        Assert.Equal([0.0], TensorAssert.Values(Assert.Single(epoch.GatherAll()).Targets));
        Assert.Equal([0L], DataLoader.ShuffledOrder(1, Rng.Seed(1)).Value.data<long>().ToArray());
        Assert.Equal("a DataLoader needs at least one sample, got 0", Assert.Throws<ArgumentException>(() => DataLoader.ShuffledOrder(0, Rng.Seed(1))).Message);
        Assert.Equal("a DataLoader needs at least one sample, got -3", Assert.Throws<ArgumentException>(() => DataLoader.ShuffledOrder(-3, Rng.Seed(1))).Message);
    }

    [Fact]
    public void A_loader_refuses_inputs_and_targets_that_are_not_the_same_samples()
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(4);
        (Tensor Inputs, Tensor Targets, string Shapes)[] bad =
        [
            (x, y.narrow(0, 0, 3), "[4, 2] and [3]"),
            (tensor(1f), y, "[] and [4]"),
            (x, tensor(1f), "[4, 2] and []"),
            (x, ones(3, 1), "[4, 2] and [3, 1]"),
        ];
        foreach (var (inputs, targets, shapes) in bad)
        {
            var message = $"inputs and targets must have the same number of samples, got {shapes}";
            Assert.Equal(message, Assert.Throws<ArgumentException>(() => DataLoader.IterateInOrder(inputs, targets, 2, Rng.Seed(1))).Message);
            Assert.Equal(message, Assert.Throws<ArgumentException>(() => DataLoader.IterateShuffled(inputs, targets, 2, Rng.Seed(1))).Message);
        }
    }
}
