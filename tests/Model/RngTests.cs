using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>The Rng reproduces PyTorch's CPU stream: values PyTorch prints under torch.manual_seed.</summary>
public sealed class RngTests
{
    [Fact]
    public void Randn_under_seed_42_matches_pytorch()
    {
        using var t = Rng.Seed(42).Randn(3).Value;
        Assert.Equal([0.3367, 0.1288, 0.2345], TensorAssert.Values(t).Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void Rand_under_seed_0_matches_pytorch()
    {
        using var t = Rng.Seed(0).Rand(2).Value;
        Assert.Equal([0.4963, 0.7682], TensorAssert.Values(t).Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void Default_init_of_a_2x2_linear_under_seed_42_matches_nn_Linear()
    {
        var spec = new MlpSpec(2, [], 2, new Activation.Relu(), new Activation.Identity());
        using var p = Init.Initialize(spec, Rng.Seed(42)).Value;
        Assert.Equal([0.5406, 0.5869, -0.1657, 0.6496], TensorAssert.Values(p["l1.weight"]).Select(v => Math.Round(v, 4)));
        Assert.Equal([-0.1549, 0.1427], TensorAssert.Values(p["l1.bias"]).Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void A_draw_leaves_the_rng_unchanged_and_repeats_exactly()
    {
        var rng = Rng.Seed(7);
        using var a = rng.Randn(5).Value;
        using var b = rng.Randn(5).Value;
        Assert.Equal(TensorAssert.Bytes(a), TensorAssert.Bytes(b));
        var next = rng.Randn(5).Rng;
        using var c = next.Randn(5).Value;
        Assert.NotEqual(TensorAssert.Bytes(a), TensorAssert.Bytes(c));
    }

    [Fact]
    public void State_round_trips_through_bytes()
    {
        var rng = Rng.Seed(3).Rand(10).Rng;
        var restored = Rng.FromState(rng.GetState());
        Assert.Equal(rng, restored);
        using var a = rng.Rand(4).Value;
        using var b = restored.Rand(4).Value;
        Assert.Equal(TensorAssert.Bytes(a), TensorAssert.Bytes(b));
    }

    [Fact]
    public void Split_gives_two_different_streams()
    {
        var (first, second) = Rng.Seed(11).Split();
        using var a = first.Rand(8).Value;
        using var b = second.Rand(8).Value;
        Assert.NotEqual(TensorAssert.Bytes(a), TensorAssert.Bytes(b));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Rng_matches_a_seeded_torch_generator_over_a_sequence_of_draws()
    {
        using var g = new Generator(123);
        var rng = Rng.Seed(123);
        foreach (var n in new[] { 1, 17, 3, 64 })
        {
            using var expected = randn([n], generator: g);
            var d = rng.Randn(n);
            using var actual = d.Value;
            rng = d.Rng;
            Assert.Equal(TensorAssert.Bytes(expected), TensorAssert.Bytes(actual));
        }
    }
}
