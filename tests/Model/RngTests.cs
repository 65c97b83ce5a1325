using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// The Rng reproduces PyTorch's CPU stream: values PyTorch prints under torch.manual_seed, and every draw equals the same
/// call on a seeded torch.Generator, leaving the generator's state after it. An Rng is a value: nothing outside changes it.
/// </summary>
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

    private static byte[] StateOf(Generator g)
    {
        using var t = g.get_state();
        return t.data<byte>().ToArray();
    }

    [Fact]
    public void Every_draw_equals_the_same_call_on_a_seeded_generator_and_moves_the_state_as_it_does()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(99);
        var rng = Rng.Seed(99);
        Assert.Equal(StateOf(g), rng.GetState());
        (Tensor Ours, Rng Next, Tensor Torch)[] draws =
        [
            Step(rng.Uniform([2, 3], -0.5, 2), empty([2, 3]).uniform_(-0.5, 2, generator: g)),
            Step(rng.Uniform([4], -3, -1, ScalarType.Float64), empty([4], ScalarType.Float64).uniform_(-3, -1, generator: g)),
            Step(rng.Rand(3, 2), rand([3, 2], generator: g)),
            Step(rng.Randn(5), randn([5], generator: g)),
            Step(rng.RandPerm(9), randperm(9, generator: g)),
        ];
        (Tensor, Rng, Tensor) Step(Drawn<Tensor> ours, Tensor torch)
        {
            rng = ours.Rng;
            return (ours.Value, ours.Rng, torch);
        }
        Assert.Equal([ScalarType.Float32, ScalarType.Float64, ScalarType.Float32, ScalarType.Float32, ScalarType.Int64], draws.Select(d => d.Ours.dtype));
        foreach (var (ours, _, torch) in draws)
        {
            Assert.Equal(torch.shape, ours.shape);
            Assert.Equal(TensorAssert.Bytes(torch), TensorAssert.Bytes(ours));
        }
        Assert.Equal(StateOf(g), rng.GetState());
        Assert.All(TensorAssert.Values(draws[0].Ours), v => Assert.InRange(v, -0.5, 2));
        Assert.All(TensorAssert.Values(draws[1].Ours), v => Assert.InRange(v, -3, -1));
    }

    [Fact]
    public void A_negative_seed_is_the_generator_seed_of_its_64_bit_pattern_as_torch_manual_seed_takes_it()
    {
        using var g = new Generator(ulong.MaxValue);
        Assert.Equal(StateOf(g), Rng.Seed(-1).GetState());
        Assert.NotEqual(Rng.Seed(1), Rng.Seed(-1));
    }

    [Fact]
    public void State_bytes_in_and_out_are_copies()
    {
        var rng = Rng.Seed(3);
        var bytes = rng.GetState();
        var restored = Rng.FromState(bytes);
        Array.Clear(bytes);                          // changing the bytes given changes neither Rng
        rng.GetState().AsSpan().Clear();             // nor does changing the bytes returned
        Assert.Equal(Rng.Seed(3), rng);
        Assert.Equal(Rng.Seed(3), restored);
    }

    // Without the checks, each of these would abort the test process: libtorch's set_state fails its own check, and
    // TorchSharp's native entry point has no error guard. (PyTorch 1.13 raises "Invalid mt19937 state" for the same bytes.)
    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void A_state_of_the_wrong_length_is_refused(int extra)
    {
        var state = Rng.Seed(3).GetState();
        byte[] bad = extra < 0 ? state[..^1] : [.. state, 0];
        Assert.Equal(5056, Rng.StateLength);
        Assert.Equal($"{bad.Length} bytes, a generator state has 5056", Rng.StateProblem(bad));
        var refused = Assert.Throws<ArgumentException>(() => Rng.FromState(bad));
        Assert.Equal("state", refused.ParamName);
        Assert.StartsWith($"not a generator state: {bad.Length} bytes, a generator state has 5056", refused.Message);
    }

    [Theory]
    [InlineData(8, 0, "its mt19937 'left' is 0, outside 1..624")]      // the mt19937 position: 0 < left ≤ 624
    [InlineData(8, 625, "its mt19937 'left' is 625, outside 1..624")]
    [InlineData(12, 0, "its mt19937 state is marked unseeded")]        // seeded
    [InlineData(16, 625, "its mt19937 'next' is 625, above 624")]      // next ≤ 624
    public void A_state_libtorch_would_refuse_is_refused(int offset, int value, string problem)
    {
        var state = Rng.Seed(3).Rand(5).Rng.GetState(); // five outputs drawn: left 620, next 5
        Assert.Null(Rng.StateProblem(state));
        var bad = offset == 16 ? Patched(state, 16, BitConverter.GetBytes((ulong)value)) : Patched(state, offset, BitConverter.GetBytes(value));
        Assert.Equal(problem, Rng.StateProblem(bad));
        Assert.StartsWith($"not a generator state: {problem}", Assert.Throws<ArgumentException>(() => Rng.FromState(bad)).Message);
    }

    [Theory]
    [InlineData(8, 624)]        // left at its largest
    [InlineData(8, 1)]          // and smallest
    [InlineData(16, 624)]       // next at its largest
    [InlineData(16, 0)]
    [InlineData(12, 2)]         // any non-zero seeded flag
    public void Generator_states_at_the_edges_of_libtorchs_checks_are_accepted(int offset, int value)
    {
        var state = Rng.Seed(3).GetState();
        var edge = offset == 16 ? Patched(state, 16, BitConverter.GetBytes((ulong)value)) : Patched(state, offset, BitConverter.GetBytes(value));
        Assert.Null(Rng.StateProblem(edge));
        Assert.Equal(edge, Rng.FromState(edge).GetState());
    }

    [Fact]
    public void No_state_is_an_argument_null_exception() =>
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => Rng.FromState(null!)).ParamName);

    private static byte[] Patched(byte[] state, int offset, byte[] value)
    {
        var copy = (byte[])state.Clone();
        value.CopyTo(copy, offset);
        return copy;
    }

    [Fact]
    public void Rngs_are_equal_exactly_when_their_states_are()
    {
        var a = Rng.Seed(5);
        var b = Rng.FromState(Rng.Seed(5).GetState());
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var c = a.Rand(1).Rng;
        Assert.False(a.Equals(c));
        Assert.False(a.Equals((object)c));
        Assert.NotEqual(a.GetHashCode(), c.GetHashCode());
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object)"not an rng"));
    }

    [Fact]
    public void Split_seeds_two_new_streams_from_two_62_bit_draws_and_is_repeatable()
    {
        var rng = Rng.Seed(11);
        var (first, second) = rng.Split();
        using var seeds = rng.Draw(g => randint(0, 1L << 62, [2], dtype: ScalarType.Int64, generator: g)).Value;
        Assert.Equal(Rng.Seed(seeds[0].item<long>()), first);
        Assert.Equal(Rng.Seed(seeds[1].item<long>()), second);
        Assert.Equal((first, second), rng.Split());
        Assert.NotEqual(rng, first);
    }
}
