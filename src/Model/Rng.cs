using System.Buffers.Binary;
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
    /// Restores an Rng from <see cref="GetState"/> bytes (e.g. from a checkpoint). Bytes that are not a CPU generator
    /// state (the wrong length, or an mt19937 position libtorch would refuse) throw <see cref="ArgumentException"/>.
    /// </summary>
    public static Rng FromState(byte[] state)
    {
        var copy = (byte[])state.Clone();
        RequireValid(copy);
        using (var g = Restore(copy)) { }
        return new Rng(copy);
    }

    // libtorch checks a state in Generator.set_state, but a failed check there aborts the process (TorchSharp's native
    // entry point has no error guard): the same checks are made here first. The state is libtorch's
    // CPUGeneratorImplState, whose mt19937 part starts with the initial seed (uint64), `left` (int32), `seeded`
    // (int32) and `next` (uint64); set_state wants the length of the current layout, seeded ≠ 0, 0 < left ≤ 624 and
    // next ≤ 624 (as a uint32).
    private static void RequireValid(byte[] state)
    {
        if (state.Length != StateLength)
            throw new ArgumentException($"a generator state has {StateLength} bytes, got {state.Length}");
        var left = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(8));
        var seeded = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(12));
        var next = (uint)BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(16));
        if (seeded == 0 || left is <= 0 or > MersenneWords || next > MersenneWords)
            throw new ArgumentException($"not a valid generator state (mt19937 left {left}, seeded {seeded}, next {next})");
    }

    private const int MersenneWords = 624;

    // The length of this libtorch's generator state (5056 bytes for libtorch 2.x), read off a fresh generator.
    private static readonly int StateLength = Seed(0)._state.Length;

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
