using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Model;
using Xunit;

namespace Functional.ModelTests;

/// <summary>
/// PyRandom reproduces CPython's <c>random</c>: the streams of tests/Fixtures/python-random.json, written by CPython
/// itself (tools/reference/python_random_fixture.py), value by value and state by state.
/// </summary>
public sealed class PyRandomTests
{
    private static readonly JsonElement Fixture = Fixtures.Load("python-random.json");

    public static TheoryData<string> Seeds() => [.. Fixture.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("seed").GetString()!)];

    private static JsonElement Run(string seed) => Fixture.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("seed").GetString() == seed);

    /// <summary>SHA-256 of the state as random.getstate()[1] holds it: 624 words and the index, little-endian uint32.</summary>
    private static string Digest(PyRandom r)
    {
        var bytes = new byte[4 * (PyRandom.StateWords + 1)];
        var words = r.Words;
        for (var i = 0; i < words.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), words[i]);
        BitConverter.TryWriteBytes(bytes.AsSpan(4 * PyRandom.StateWords), (uint)r.Index);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>One fixture op (see the script's PATTERN) drawn from the stream, as the JSON text CPython wrote.</summary>
    private static string DrawOp(PyRandomStream s, string op)
    {
        var parts = op.Split(':');
        return parts[0] switch
        {
            "random" => s.Random().ToString("R", CultureInfo.InvariantCulture),
            "randint" => s.RandInt(BigInteger.Parse(parts[1], CultureInfo.InvariantCulture), BigInteger.Parse(parts[2], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture),
            "bits" => s.GetRandBits(int.Parse(parts[1], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture),
            "below" => s.RandBelow(BigInteger.Parse(parts[1], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"unknown fixture op {op}"),
        };
    }

    private static string Expected(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("R", CultureInfo.InvariantCulture) : v.GetString()!;

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seeding_gives_cpythons_state(string seed)
    {
        var run = Run(seed);
        var r = PyRandom.Seed(BigInteger.Parse(seed, CultureInfo.InvariantCulture));
        var head = run.GetProperty("state_after_seed_head").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        Assert.Equal(head[..4], r.Words[..4]);
        Assert.Equal((int)head[4], r.Index);
        Assert.Equal(run.GetProperty("state_after_seed_sha256").GetString(), Digest(r));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_draw_equals_cpythons(string seed)
    {
        var run = Run(seed);
        var pattern = Fixture.GetProperty("pattern").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var expected = run.GetProperty("values").EnumerateArray().Select(Expected).ToArray();
        Assert.True(expected.Length >= 2000, "the fixture holds thousands of values per seed");
        var (actual, after) = PyRandom.Seed(BigInteger.Parse(seed, CultureInfo.InvariantCulture))
            .Draw(s => expected.Select((_, i) => DrawOp(s, pattern[i % pattern.Length])).ToArray());
        for (var i = 0; i < expected.Length; i++)
            Assert.True(expected[i] == actual[i], $"seed {seed}, value {i} ({pattern[i % pattern.Length]}): CPython {expected[i]}, ours {actual[i]}");
        Assert.Equal(run.GetProperty("state_after_sha256").GetString(), Digest(after));
    }

    [Fact]
    public void The_value_api_draws_what_the_stream_draws_and_leaves_its_input_unchanged()
    {
        var seeded = PyRandom.Seed(42);
        var (a, r1) = seeded.RandInt(0, 1);
        var (x, r2) = r1.Random();
        var (bits, r3) = r2.GetRandBits(70);
        var (below, r4) = r3.RandBelow(1000);
        var (stream, end) = seeded.Draw(s => (s.RandInt(0, 1), s.Random(), s.GetRandBits(70), s.RandBelow(1000u)));
        Assert.Equal((a, x, bits, below), ((BigInteger)stream.Item1, stream.Item2, stream.Item3, (BigInteger)stream.Item4));
        Assert.Equal(end, r4);
        Assert.Equal(PyRandom.Seed(42), seeded); // drawing did not change the seeded value
        Assert.Equal(a, seeded.RandInt(0, 1).Value);
    }

    [Fact]
    public void A_negative_seed_seeds_as_its_absolute_value_and_zero_as_one_zero_word()
    {
        Assert.Equal(PyRandom.Seed(7), PyRandom.Seed(-7));
        Assert.NotEqual(PyRandom.Seed(0), PyRandom.Seed(1));
    }

    [Fact]
    public void State_round_trips_through_words_and_index()
    {
        var r = PyRandom.Seed(3).Draw(s => { for (var i = 0; i < 1000; i++) s.NextUInt32(); return 0; }).Random;
        var restored = PyRandom.FromState(r.Words, r.Index);
        Assert.Equal(r, restored);
        Assert.Equal(r.Random().Value, restored.Random().Value);
        Assert.Throws<ArgumentException>(() => PyRandom.FromState(new uint[10], 0));
        Assert.Throws<ArgumentException>(() => PyRandom.FromState(r.Words, 625));
    }

    [Fact]
    public void A_stream_kept_past_its_draw_cannot_be_used()
    {
        PyRandomStream? leaked = null;
        PyRandom.Seed(1).Draw(s => { leaked = s; return s.NextUInt32(); });
        var e = Assert.Throws<ObjectDisposedException>(() => leaked!.Random());
        Assert.Contains("a PyRandom stream is only valid inside the Draw that lent it", e.Message);
    }

    [Property(MaxTest = 200)]
    public Property RandInt_stays_in_range_and_the_narrow_path_equals_the_wide_one()
    {
        var gen = from seed in Gen.Choose(0, int.MaxValue) from a in Gen.Choose(-1000, 1000) from width in Gen.Choose(1, 100_000) select (seed, a, b: a + width - 1);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var r = PyRandom.Seed(c.seed);
            var (narrow, n1) = r.Draw(s => Enumerable.Range(0, 20).Select(_ => s.RandInt(c.a, c.b)).ToArray());
            var (wide, n2) = r.Draw(s => Enumerable.Range(0, 20).Select(_ => (long)s.RandInt(new BigInteger(c.a), new BigInteger(c.b))).ToArray());
            return narrow.SequenceEqual(wide) && n1.Equals(n2) && narrow.All(v => v >= c.a && v <= c.b);
        });
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        var r = PyRandom.Seed(1);
        Assert.StartsWith("RandBelow needs n ≥ 1", Assert.Throws<ArgumentOutOfRangeException>(() => r.RandBelow(0)).Message);
        Assert.StartsWith("RandBelow needs n ≥ 1", Assert.Throws<ArgumentOutOfRangeException>(() => r.RandBelow(-1)).Message);
        Assert.StartsWith("RandBelow needs n ≥ 1", Assert.Throws<ArgumentOutOfRangeException>(() => r.Draw(s => s.RandBelow(0u))).Message);
        Assert.Throws<ArgumentException>(() => r.RandInt(2, 1));
        Assert.StartsWith("number of bits must be non-negative", Assert.Throws<ArgumentOutOfRangeException>(() => r.GetRandBits(-1)).Message);
    }

    [Fact]
    public void A_state_index_from_0_to_624_is_accepted_and_anything_else_refused()
    {
        var words = PyRandom.Seed(9).Words;
        Assert.Equal(0, PyRandom.FromState(words, 0).Index);
        Assert.Equal(PyRandom.StateWords, PyRandom.FromState(words, PyRandom.StateWords).Index);
        Assert.Equal("the state index must be between 0 and 624, got -1", Assert.Throws<ArgumentException>(() => PyRandom.FromState(words, -1)).Message);
        Assert.Equal("the state index must be between 0 and 624, got 625", Assert.Throws<ArgumentException>(() => PyRandom.FromState(words, 625)).Message);
        Assert.Equal("a Mersenne Twister state has 624 words, got 623", Assert.Throws<ArgumentException>(() => PyRandom.FromState(words[..^1], 0)).Message);
        Assert.Equal("a Mersenne Twister state has 624 words, got 625", Assert.Throws<ArgumentException>(() => PyRandom.FromState([.. words, 1u], 0)).Message);
    }

    [Fact]
    public void A_state_is_a_value_that_outside_changes_to_words_do_not_reach()
    {
        var words = PyRandom.Seed(9).Words;
        var r = PyRandom.FromState(words, 100);
        words[0] ^= 1;                                  // the words given are copied
        r.Words[1] ^= 1;                                // and the words returned are a copy
        Assert.Equal(PyRandom.FromState(PyRandom.Seed(9).Words, 100), r);
    }

    [Fact]
    public void States_are_equal_exactly_when_words_and_index_are()
    {
        var words = PyRandom.Seed(2).Words;
        var a = PyRandom.FromState(words, 7);
        var b = PyRandom.FromState(words, 7);
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var otherIndex = PyRandom.FromState(words, 8);
        var otherWords = PyRandom.FromState(PyRandom.Seed(3).Words, 7);
        foreach (var other in new[] { otherIndex, otherWords })
        {
            Assert.False(a.Equals(other));
            Assert.False(a.Equals((object)other));
            Assert.NotEqual(a.GetHashCode(), other.GetHashCode());
        }
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void A_draw_that_throws_passes_the_exception_on_and_closes_its_stream()
    {
        PyRandomStream? leaked = null;
        var e = Assert.Throws<InvalidOperationException>(() => PyRandom.Seed(1).Draw<int>(s => { leaked = s; s.NextUInt32(); throw new InvalidOperationException("mine"); }));
        Assert.Equal("mine", e.Message);
        Assert.Throws<ObjectDisposedException>(() => leaked!.NextUInt32());
    }

    [Fact]
    public void Zero_bits_draw_nothing_and_32_bits_take_one_whole_output()
    {
        var r = PyRandom.Seed(5);
        var (zero, after) = r.Draw(s => (s.GetRandBits32(0), s.GetRandBits(0)));
        Assert.Equal((0u, BigInteger.Zero), zero);
        Assert.Equal(r, after);
        var (full, next) = r.Draw(s => s.GetRandBits32(32));
        Assert.Equal(r.Draw(s => s.NextUInt32()), new PyDrawn<uint>(full, next));
        Assert.Equal((BigInteger)full, r.GetRandBits(32).Value);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    public void GetRandBits32_takes_0_to_32_bits(int k) =>
        Assert.StartsWith("GetRandBits32 takes 0 to 32 bits", Assert.Throws<ArgumentOutOfRangeException>(() => PyRandom.Seed(1).Draw(s => s.GetRandBits32(k))).Message);

    [Fact]
    public void K_bits_take_the_top_bits_of_ceil_k_over_32_outputs_least_significant_word_first()
    {
        var r = PyRandom.Seed(12);
        foreach (var k in new[] { 1, 5, 31, 32, 33, 63, 64, 65, 96, 100 })
        {
            var words = (k + 31) / 32;
            var (outputs, afterOutputs) = r.Draw(s => Enumerable.Range(0, words).Select(_ => s.NextUInt32()).ToArray());
            var expected = BigInteger.Zero;
            for (var i = 0; i < words; i++)
            {
                var bits = Math.Min(32, k - 32 * i);
                expected |= (BigInteger)(outputs[i] >> (32 - bits)) << (32 * i);
            }
            var (value, after) = r.GetRandBits(k);
            Assert.True(expected == value, $"{k} bits: expected {expected}, got {value}");
            Assert.Equal(afterOutputs, after);
        }
    }

    [Fact]
    public void RandBelow_redraws_until_below_n_and_n_of_1_is_always_0()
    {
        var r = PyRandom.Seed(3);
        Assert.All(r.Draw(s => Enumerable.Range(0, 50).Select(_ => s.RandBelow(1u)).ToArray()).Value, v => Assert.Equal(0u, v));
        // n = 5 takes 3 bits per try: every value below 5, and each of the 3-bit draws that were not is skipped.
        var (values, _) = r.Draw(s => Enumerable.Range(0, 200).Select(_ => s.RandBelow(5u)).ToArray());
        var (raw, _) = r.Draw(s => Enumerable.Range(0, 1000).Select(_ => s.GetRandBits32(3)).ToArray());
        Assert.Equal(raw.Where(v => v < 5).Take(200), values);
        var big = BigInteger.Pow(2, 70) + 3;
        Assert.All(r.Draw(s => Enumerable.Range(0, 50).Select(_ => s.RandBelow(big)).ToArray()).Value, v => Assert.InRange(v, BigInteger.Zero, big - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Draw(s => s.RandBelow(0u)));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.RandBelow(-1));
    }

    [Fact]
    public void RandInt_over_one_value_gives_it_and_over_the_whole_int_range_equals_the_wide_path()
    {
        var r = PyRandom.Seed(8);
        Assert.Equal(5L, r.Draw(s => s.RandInt(5, 5)).Value);
        var (narrow, n1) = r.Draw(s => Enumerable.Range(0, 20).Select(_ => s.RandInt(int.MinValue, int.MaxValue)).ToArray());
        var (wide, n2) = r.Draw(s => Enumerable.Range(0, 20).Select(_ => (long)s.RandInt(new BigInteger(int.MinValue), new BigInteger(int.MaxValue))).ToArray());
        Assert.Equal(wide, narrow);
        Assert.Equal(n2, n1);
        Assert.Equal("empty range for randint(2, 1)", Assert.Throws<ArgumentException>(() => r.Draw(s => s.RandInt(2, 1))).Message);
        Assert.Equal("empty range for randint(2, 1)", Assert.Throws<ArgumentException>(() => r.RandInt(2, 1)).Message);
    }

    // The Mersenne Twister's output tempering, undone: the state word that NextUInt32 turns into y. A stream positioned
    // at a state made of untempered words yields exactly the outputs a test wants.
    private static uint Untemper(uint y)
    {
        y ^= y >> 18;
        y ^= (y << 15) & 0xefc60000u;
        var x = y;
        for (var i = 0; i < 5; i++) x = y ^ ((x << 7) & 0x9d2c5680u);
        y = x;
        for (var i = 0; i < 3; i++) x = y ^ (x >> 11);
        return x;
    }

    /// <summary>A state whose next outputs are <paramref name="outputs"/>, in order (index 0: no regeneration before them).</summary>
    private static PyRandom Yielding(params uint[] outputs)
    {
        var words = PyRandom.Seed(0).Words;
        for (var i = 0; i < outputs.Length; i++) words[i] = Untemper(outputs[i]);
        return PyRandom.FromState(words, 0);
    }

    [Fact]
    public void A_crafted_state_yields_the_outputs_it_was_made_for()
    {
        uint[] outputs = [0, 1, 0x80000000u, 0xffffffffu, 0x12345678u];
        Assert.Equal(outputs, Yielding(outputs).Draw(s => outputs.Select(_ => s.NextUInt32()).ToArray()).Value);
    }

    [Fact]
    public void RandBelow_redraws_a_draw_equal_to_n_on_both_paths()
    {
        // n = 2^32 + 1 takes 33 bits: the first output whole, then the top bit of the next. The first try is exactly n.
        var n = (BigInteger)uint.MaxValue + 2;
        var (wide, afterWide) = Yielding(1, 0x80000000u, 5, 0).RandBelow(n);
        Assert.Equal(5, wide);
        Assert.Equal(Yielding(1, 0x80000000u, 5, 0).Draw(s => { for (var i = 0; i < 4; i++) s.NextUInt32(); return 0; }).Random, afterWide);
        // n = 5 takes the top 3 bits: 5 is redrawn, 4 is kept.
        Assert.Equal(4u, Yielding(5u << 29, 4u << 29).Draw(s => s.RandBelow(5u)).Value);
        Assert.Equal(4, Yielding(5u << 29, 4u << 29).RandBelow(5).Value);
    }
}
