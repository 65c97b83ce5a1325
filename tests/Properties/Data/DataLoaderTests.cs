using System.Security.Cryptography;
using System.Text.Json;
using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Data;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Data;

/// <summary>
/// src/Training/Data/DataLoader.cs against PyTorch's own DataLoader: tests/Fixtures/dataloader.json, written by
/// PyTorch 1.13.1 (tools/reference/dataloader_fixture.py), holds for several seeds and sizes the base seeds, sample
/// orders and the global generator's next draw after two shuffled iterations and one in order.
/// </summary>
public sealed class DataLoaderTests
{
    private static readonly JsonElement Fixture = Fixtures.Load("dataloader.json");

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Fixture.GetProperty("cases").GetArrayLength())];

    private static string OrderDigest(IEnumerable<int> order) =>
        Convert.ToHexStringLower(SHA256.HashData(order.SelectMany(i => BitConverter.GetBytes((long)i)).ToArray()));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Two_shuffled_iterations_and_one_in_order_equal_pytorchs(int index)
    {
        var c = Fixture.GetProperty("cases")[index];
        var (seed, n, batchSize) = (c.GetProperty("seed").GetInt64(), c.GetProperty("n").GetInt32(), c.GetProperty("batch_size").GetInt32());
        var what = $"seed {seed}, n {n}, batch {batchSize}";
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(n);
        var rng = Rng.Seed(seed);
        var shuffledFlags = c.GetProperty("shuffled").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        var iterations = c.GetProperty("iterations").EnumerateArray().ToArray();
        for (var it = 0; it < iterations.Length; it++)
        {
            var expected = iterations[it];
            Assert.True(long.Parse(expected.GetProperty("base_seed").GetString()!) == DataLoader.DrawSeed(rng).Value, $"{what}, iteration {it}: base seed");
            var epoch = shuffledFlags[it] ? DataLoader.IterateShuffled(x, y, batchSize, rng) : DataLoader.IterateInOrder(x, y, batchSize, rng);
            var batches = epoch.GatherAll();
            var order = BatchingProperties.AssertWellFormed(batches, new EpochCase(n, batchSize, 0));
            Assert.Equal(expected.GetProperty("batches").GetInt32(), epoch.Count);
            Assert.Equal(expected.GetProperty("batch_sizes").EnumerateArray().Select(e => (long)e.GetInt32()),
                batches.Select(b => b.Inputs.shape[0]).Distinct().OrderDescending());
            if (expected.TryGetProperty("order", out var full))
                Assert.Equal(full.EnumerateArray().Select(e => e.GetInt32()), order);
            else
                Assert.Equal(expected.GetProperty("order_head").EnumerateArray().Select(e => e.GetInt32()), order.Take(16));
            Assert.True(expected.GetProperty("order_sha256").GetString() == OrderDigest(order), $"{what}, iteration {it}: order digest");
            rng = epoch.Rng;
        }
        var next = TensorAssert.Values(rng.Rand(3).Value);
        Assert.Equal(c.GetProperty("next_rand").EnumerateArray().Select(e => e.GetDouble()), next);
    }

    [Property]
    public void A_shuffled_iteration_visits_every_sample_once_and_moves_the_rng_by_two_seeds(EpochCase c)
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(c.Samples);
        var rng = Rng.Seed(c.Seed);
        var epoch = DataLoader.IterateShuffled(x, y, c.BatchSize, rng);
        Assert.Equal(Enumerable.Range(0, c.Samples), BatchingProperties.AssertWellFormed(epoch.GatherAll(), c).Order());
        Assert.Equal(DataLoader.DrawSeed(DataLoader.DrawSeed(rng).Rng).Rng, epoch.Rng);
        // Pure: the same Rng gives the same order.
        Assert.Equal(BatchingProperties.AssertWellFormed(epoch.GatherAll(), c),
            BatchingProperties.AssertWellFormed(DataLoader.IterateShuffled(x, y, c.BatchSize, rng).GatherAll(), c));
    }

    [Property]
    public void An_in_order_iteration_keeps_the_order_and_moves_the_rng_by_one_seed(EpochCase c)
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(c.Samples);
        var rng = Rng.Seed(c.Seed);
        var epoch = DataLoader.IterateInOrder(x, y, c.BatchSize, rng);
        Assert.Equal(Enumerable.Range(0, c.Samples), BatchingProperties.AssertWellFormed(epoch.GatherAll(), c));
        Assert.Equal(DataLoader.DrawSeed(rng).Rng, epoch.Rng);
        Assert.NotEqual(rng, epoch.Rng);
    }

    [Fact]
    public void Seeds_are_non_negative_63_bit_integers()
    {
        var rng = Rng.Seed(5);
        for (var i = 0; i < 200; i++)
        {
            var (s, next) = DataLoader.DrawSeed(rng);
            Assert.InRange(s, 0, long.MaxValue);
            rng = next;
        }
    }

    [Fact]
    public void Bad_input_throws()
    {
        using var scope = NewDisposeScope();
        var (x, y) = BatchingProperties.Samples(5);
        Assert.Throws<ArgumentException>(() => DataLoader.IterateShuffled(x, y, 0, Rng.Seed(1)));
        Assert.Throws<ArgumentException>(() => DataLoader.IterateInOrder(x, y.narrow(0, 0, 4), 2, Rng.Seed(1)));
        Assert.Throws<ArgumentException>(() => DataLoader.ShuffledOrder(0, Rng.Seed(1)));
    }
}
