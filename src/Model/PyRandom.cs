using System.Numerics;

namespace Functional.Model;

/// <summary>A value drawn from a <see cref="PyRandom"/> together with the generator state that follows the draw.</summary>
public sealed record PyDrawn<T>(T Value, PyRandom Random);

/// <summary>
/// Python's <c>random</c> module as an immutable value: CPython's Mersenne Twister (mt19937: 624 32-bit words and a
/// position), seeded and drawn exactly as CPython 3 does it, so <c>PyRandom.Seed(s)</c> followed by the same calls gives
/// what <c>random.seed(s)</c> gives in Python. Every draw returns the value and a new PyRandom; the original is unchanged.
/// <para>For many draws, <see cref="Draw{T}"/> hands a mutable working copy (<see cref="PyRandomStream"/>) to one
/// function and closes it when that function returns, so nothing mutable escapes and a draw costs no state copy.</para>
/// </summary>
public sealed class PyRandom : IEquatable<PyRandom>
{
    /// <summary>Words of Mersenne Twister state.</summary>
    public const int StateWords = 624;

    private readonly uint[] _words;
    private readonly int _index;

    private PyRandom(uint[] words, int index)
    {
        _words = words;
        _index = index;
    }

    /// <summary>
    /// The state after <c>random.seed(seed)</c> for an int seed: CPython's <c>init_by_array</c> over the 32-bit words of
    /// |seed|, least significant first (seed 0 is the one word 0). A negative seed seeds as its absolute value.
    /// </summary>
    public static PyRandom Seed(BigInteger seed)
    {
        var key = KeyWords(BigInteger.Abs(seed));
        var mt = new uint[StateWords];
        InitGenrand(mt, 19650218u);
        int i = 1, j = 0;
        for (var k = Math.Max(StateWords, key.Length); k > 0; k--)
        {
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= StateWords) { mt[0] = mt[StateWords - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (var k = StateWords - 1; k > 0; k--)
        {
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= StateWords) { mt[0] = mt[StateWords - 1]; i = 1; }
        }
        mt[0] = 0x80000000u; // the MSB is 1, so the state is never all zeros
        return new PyRandom(mt, StateWords);
    }

    /// <summary>
    /// Restores a state as <c>random.setstate</c> takes it: the 624 words and the position (0…624) of
    /// <c>random.getstate()[1]</c>.
    /// </summary>
    public static PyRandom FromState(IReadOnlyList<uint> words, int index)
    {
        if (words.Count != StateWords) throw new ArgumentException($"a Mersenne Twister state has {StateWords} words, got {words.Count}");
        if (index is < 0 or > StateWords) throw new ArgumentException($"the state index must be between 0 and {StateWords}, got {index}");
        return new PyRandom([.. words], index);
    }

    /// <summary>Wraps words nobody else holds (a closed stream's) without copying them.</summary>
    internal static PyRandom Adopt(uint[] words, int index) => new(words, index);

    /// <summary>The 624 state words (a copy), as the first 624 entries of <c>random.getstate()[1]</c>.</summary>
    public uint[] Words => (uint[])_words.Clone();

    /// <summary>The position in the state, the last entry of <c>random.getstate()[1]</c> (624: regenerate before the next output).</summary>
    public int Index => _index;

    /// <summary>
    /// Runs <paramref name="draw"/> against a working copy of this state and returns its result with the state after
    /// it. The stream is closed when <paramref name="draw"/> returns: keeping and using it afterwards throws.
    /// </summary>
    public PyDrawn<T> Draw<T>(Func<PyRandomStream, T> draw)
    {
        var stream = new PyRandomStream((uint[])_words.Clone(), _index);
        try
        {
            var value = draw(stream);
            return new PyDrawn<T>(value, stream.Close());
        }
        catch
        {
            stream.Close();
            throw;
        }
    }

    /// <summary><c>random.random()</c>: a float in [0, 1) with 53 random bits, from two outputs.</summary>
    public PyDrawn<double> Random() => Draw(s => s.Random());

    /// <summary><c>random.getrandbits(k)</c>: a uniform integer in [0, 2^k); k = 0 draws nothing and gives 0.</summary>
    public PyDrawn<BigInteger> GetRandBits(int k) => Draw(s => s.GetRandBits(k));

    /// <summary>CPython's <c>_randbelow(n)</c> (what <c>random.randrange(n)</c> returns): uniform in [0, n), n ≥ 1.</summary>
    public PyDrawn<BigInteger> RandBelow(BigInteger n) => Draw(s => s.RandBelow(n));

    /// <summary><c>random.randint(a, b)</c>: uniform in [a, b] (both included), a ≤ b.</summary>
    public PyDrawn<BigInteger> RandInt(BigInteger a, BigInteger b) => Draw(s => s.RandInt(a, b));

    /// <inheritdoc/>
    public bool Equals(PyRandom? other) => other is not null && _index == other._index && _words.AsSpan().SequenceEqual(other._words);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PyRandom);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(_index);
        foreach (var w in _words) h.Add(w);
        return h.ToHashCode();
    }

    internal static void InitGenrand(uint[] mt, uint seed)
    {
        mt[0] = seed;
        for (var i = 1; i < StateWords; i++)
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint)i;
    }

    private static uint[] KeyWords(BigInteger magnitude)
    {
        if (magnitude.IsZero) return [0u];
        var bytes = magnitude.ToByteArray(isUnsigned: true, isBigEndian: false);
        var key = new uint[(bytes.Length + 3) / 4];
        for (var b = 0; b < bytes.Length; b++)
            // Stryker disable once Assignment : the key words start at 0 and each byte sets bits of its own, so |= and ^= agree
            key[b / 4] |= (uint)bytes[b] << (8 * (b % 4));
        return key;
    }
}

/// <summary>
/// A mutable Mersenne Twister working copy, lent by <see cref="PyRandom.Draw{T}"/> to one function: every method
/// draws exactly as the CPython <c>random</c> method of the same name. Unusable once that function has returned.
/// </summary>
public sealed class PyRandomStream
{
    private const int N = PyRandom.StateWords, M = 397;
    private uint[]? _mt;
    private int _index;

    internal PyRandomStream(uint[] words, int index)
    {
        _mt = words;
        _index = index;
    }

    /// <summary>Closes the stream and returns its state as a value (which takes over the words); later calls throw.</summary>
    internal PyRandom Close()
    {
        // Stryker disable once String : unreachable, Draw closes each stream exactly once
        var mt = _mt ?? throw new InvalidOperationException("the stream is already closed");
        _mt = null;
        return PyRandom.Adopt(mt, _index);
    }

    /// <summary>The next 32-bit output (CPython's <c>genrand_uint32</c>), tempered.</summary>
    public uint NextUInt32()
    {
        var mt = _mt ?? throw new ObjectDisposedException(nameof(PyRandomStream), "a PyRandom stream is only valid inside the Draw that lent it");
        if (_index >= N)
        {
            Regenerate(mt);
            _index = 0;
        }
        var y = mt[_index++];
        // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>random.random()</c>: (a >> 5)·2^26 + (b >> 6), over 2^53, for the next two outputs a, b.</summary>
    public double Random()
    {
        // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
        var a = NextUInt32() >> 5;
        // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
        var b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>random.getrandbits(k)</c> for 0 ≤ k ≤ 32: the top k bits of the next output (k = 0 draws nothing).</summary>
    public uint GetRandBits32(int k)
    {
        if (k is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(k), k, "GetRandBits32 takes 0 to 32 bits");
        // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
        return k == 0 ? 0u : NextUInt32() >> (32 - k);
    }

    /// <summary>
    /// <c>random.getrandbits(k)</c> for any k ≥ 0: ⌈k/32⌉ outputs as 32-bit words, least significant first, the last one
    /// cut to the remaining bits (its top bits, as CPython keeps them).
    /// </summary>
    public BigInteger GetRandBits(int k)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "number of bits must be non-negative");
        // Stryker disable once Equality : k = 32 on the wide path draws the same one output
        if (k <= 32) return GetRandBits32(k);
        var words = (k - 1) / 32 + 1;
        var bytes = new byte[words * 4];
        for (var i = 0; i < words; i++, k -= 32)
        {
            var r = NextUInt32();
            // Stryker disable once Equality,Assignment : a shift by 0 (k = 32) changes nothing, and on a uint >>= and >>>= are the same shift
            if (k < 32) r >>= 32 - k;
            bytes[4 * i] = (byte)r;
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            bytes[4 * i + 1] = (byte)(r >> 8);
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            bytes[4 * i + 2] = (byte)(r >> 16);
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            bytes[4 * i + 3] = (byte)(r >> 24);
        }
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    /// <summary>CPython's <c>_randbelow(n)</c>, n ≥ 1: <c>getrandbits(n.bit_length())</c>, drawn again while ≥ n.</summary>
    public BigInteger RandBelow(BigInteger n)
    {
        // Stryker disable once Equality : n = 0 then reaches RandBelow(uint), which refuses it with the same exception and message
        if (n.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "RandBelow needs n ≥ 1");
        // Stryker disable once Equality : n = 2^32 - 1 on the wide path draws the same 32 bits
        if (n <= uint.MaxValue) return RandBelow((uint)n);
        var k = (int)n.GetBitLength();
        BigInteger r;
        do r = GetRandBits(k); while (r >= n);
        return r;
    }

    /// <summary><see cref="RandBelow(BigInteger)"/> for n that fit 32 bits (the same draws, without big integers).</summary>
    public uint RandBelow(uint n)
    {
        if (n == 0) throw new ArgumentOutOfRangeException(nameof(n), n, "RandBelow needs n ≥ 1");
        var k = 32 - BitOperations.LeadingZeroCount(n);
        uint r;
        do r = GetRandBits32(k); while (r >= n);
        return r;
    }

    /// <summary><c>random.randint(a, b)</c> = <c>a + _randbelow(b - a + 1)</c>, a ≤ b.</summary>
    public BigInteger RandInt(BigInteger a, BigInteger b)
    {
        if (b < a) throw new ArgumentException($"empty range for randint({a}, {b})");
        return a + RandBelow(b - a + 1);
    }

    /// <summary><see cref="RandInt(BigInteger, BigInteger)"/> for a range of at most 2^32 values (the same draws).</summary>
    public long RandInt(int a, int b)
    {
        if (b < a) throw new ArgumentException($"empty range for randint({a}, {b})");
        var width = (long)b - a + 1;
        // Stryker disable once Conditional,Equality : the wide path draws the same values (tested), at width 2^32 - 1 too; the narrow one only avoids big integers
        return width <= uint.MaxValue ? a + RandBelow((uint)width) : a + (long)RandBelow(new BigInteger(width));
    }

    private static void Regenerate(uint[] mt)
    {
        const uint upper = 0x80000000u, lower = 0x7fffffffu, matrixA = 0x9908b0dfu;
        int kk;
        for (kk = 0; kk < N - M; kk++)
        {
            var y = (mt[kk] & upper) | (mt[kk + 1] & lower);
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            mt[kk] = mt[kk + M] ^ (y >> 1) ^ ((y & 1) * matrixA);
        }
        for (; kk < N - 1; kk++)
        {
            var y = (mt[kk] & upper) | (mt[kk + 1] & lower);
            // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
            mt[kk] = mt[kk + (M - N)] ^ (y >> 1) ^ ((y & 1) * matrixA);
        }
        var last = (mt[N - 1] & upper) | (mt[0] & lower);
        // Stryker disable once Bitwise : on a uint, >> and >>> are the same shift
        mt[N - 1] = mt[M - 1] ^ (last >> 1) ^ ((last & 1) * matrixA);
    }
}
