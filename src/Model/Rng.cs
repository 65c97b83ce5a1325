using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>A value drawn from an <see cref="Rng"/> together with the generator state that follows the draw.</summary>
public sealed record Drawn<T>(T Value, Rng Rng);

/// <summary>
/// Randomness as an immutable value: the full state of PyTorch's CPU generator (mt19937 plus its cached normal
/// sample). Every draw returns the value and a new Rng; the original is unchanged, so a draw can be repeated and
/// threads never share a stream. <c>Rng.Seed(s)</c> followed by the tutorial's draws in the tutorial's order gives
/// exactly what <c>torch.manual_seed(s)</c> gives in PyTorch.
/// </summary>
public sealed class Rng : IEquatable<Rng>
{
    private readonly byte[] _state;

    private Rng(byte[] state) => _state = state;

    /// <summary>The generator state after <c>torch.manual_seed(seed)</c>.</summary>
    public static Rng Seed(long seed)
    {
        using var g = new Generator(unchecked((ulong)seed));
        return new Rng(ReadState(g));
    }

    /// <summary>
    /// Restores an Rng from <see cref="GetState"/> bytes (e.g. from a checkpoint). Bytes that are not such a state throw
    /// <see cref="ArgumentException"/> before they reach libtorch, whose own check of a malformed state aborts the process
    /// (TorchSharp's <c>set_state</c> has no error guard): see <see cref="StateProblem"/>.
    /// </summary>
    public static Rng FromState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (StateProblem(state) is { } problem) throw new ArgumentException($"not a generator state: {problem}", nameof(state));
        var copy = (byte[])state.Clone();
        using (var g = Restore(copy)) { }
        return new Rng(copy);
    }

    /// <summary>The length of a generator state as <see cref="GetState"/> returns it (libtorch's <c>CPUGeneratorImplState</c>).</summary>
    public static int StateLength => StateLengthOnce.Value;

    private static readonly Lazy<int> StateLengthOnce = new(() => Seed(0)._state.Length);

    /// <summary>
    /// Why <paramref name="state"/> would be refused by libtorch's <c>CPUGeneratorImpl::set_state</c>, or null when it
    /// would be accepted: it must be <see cref="StateLength"/> bytes, and the mt19937 fields inside it valid (the state
    /// seeded, 1 ≤ <c>left</c> ≤ 624, <c>next</c> ≤ 624). Layout of that struct: the initial seed (u64), <c>left</c> (i32),
    /// <c>seeded</c> (i32), <c>next</c> (u64, read as u32), the 624 state words, the cached normal sample.
    /// </summary>
    public static string? StateProblem(ReadOnlySpan<byte> state)
    {
        if (state.Length != StateLength) return $"{state.Length} bytes, a generator state has {StateLength}";
        var left = BitConverter.ToInt32(state[8..12]);
        var seeded = BitConverter.ToInt32(state[12..16]);
        var next = BitConverter.ToUInt32(state[16..20]);
        if (seeded == 0) return "its mt19937 state is marked unseeded";
        if (left is < 1 or > MersenneStateWords) return $"its mt19937 'left' is {left}, outside 1..{MersenneStateWords}";
        if (next > MersenneStateWords) return $"its mt19937 'next' is {next}, above {MersenneStateWords}";
        return null;
    }

    private const int MersenneStateWords = 624;

    /// <summary>A copy of the raw generator state (PyTorch's <c>Generator.get_state()</c> bytes).</summary>
    public byte[] GetState() => (byte[])_state.Clone();

    /// <summary>
    /// Runs <paramref name="draw"/> against a generator holding this state and returns its result with the state after it.
    /// The generator must not escape <paramref name="draw"/>.
    /// </summary>
    public Drawn<T> Draw<T>(Func<Generator, T> draw)
    {
        using var g = Restore(_state);
        var value = draw(g);
        return new Drawn<T>(value, new Rng(ReadState(g)));
    }

    /// <summary>Uniform samples in [low, high) of the given shape (float32 unless <paramref name="dtype"/> says otherwise), drawn as <c>empty(shape).uniform_(low, high)</c>.</summary>
    public Drawn<Tensor> Uniform(long[] shape, double low, double high, ScalarType dtype = ScalarType.Float32) =>
        Draw(g => empty(shape, dtype).uniform_(low, high, generator: g));

    /// <summary>Uniform samples in [0, 1), as <c>torch.rand(shape)</c>.</summary>
    public Drawn<Tensor> Rand(params long[] shape) => Draw(g => rand(shape, generator: g));

    /// <summary>Standard normal samples, as <c>torch.randn(shape)</c>.</summary>
    public Drawn<Tensor> Randn(params long[] shape) => Draw(g => randn(shape, generator: g));

    /// <summary>A random permutation of 0..n-1 (int64), as <c>torch.randperm(n)</c>.</summary>
    public Drawn<Tensor> RandPerm(long n) => Draw(g => randperm(n, generator: g));

    /// <summary>
    /// Two independent Rngs derived from this one (each seeded from a 62-bit value drawn here), for handing
    /// separate streams to separate consumers.
    /// </summary>
    public (Rng First, Rng Second) Split()
    {
        var seeds = Draw(g =>
        {
            using var t = randint(0, 1L << 62, [2], dtype: ScalarType.Int64, generator: g);
            return (t[0].item<long>(), t[1].item<long>());
        }).Value;
        return (Seed(seeds.Item1), Seed(seeds.Item2));
    }

    /// <inheritdoc/>
    public bool Equals(Rng? other) => other is not null && _state.AsSpan().SequenceEqual(other._state);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Rng);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_state);
        return h.ToHashCode();
    }

    private static byte[] ReadState(Generator g)
    {
        using var t = g.get_state();
        return t.data<byte>().ToArray();
    }

    private static Generator Restore(byte[] state)
    {
        var g = new Generator(0);
        using var t = tensor(state, dtype: ScalarType.Byte);
        g.set_state(t);
        return g;
    }
}
