using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Functional.Formats;
using Functional.Training.Checkpoints;
using TorchSharp;
using Xunit;

namespace Functional.Properties.Formats;

public class SafeTensorsTests
{
    private const string File = "run.safetensors";

    // ------------------------------------------------------------------ hand-made fixture

    // Tensors: "weight" = F32 [[1,2],[3,4]], "step" = I64 scalar 7; metadata {"format":"pt"}.
    // Layout (reference writer): sort by dtype alignment descending, then name. I64 ranks above F32,
    // so "step" comes first at [0,8) and "weight" follows at [8,24).
    // The header is compact JSON with "__metadata__" first; it is 148 bytes long, padded with
    // 4 spaces to 152 (a multiple of 8), so N = 152 = 0x98.
    private const string FixtureHeader =
        "{\"__metadata__\":{\"format\":\"pt\"}," +
        "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
        "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]}}" +
        "    ";

    private static readonly byte[] FixtureData =
    [
        0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // step: 7 as little-endian i64
        0x00, 0x00, 0x80, 0x3F, // 1.0f = 0x3F800000
        0x00, 0x00, 0x00, 0x40, // 2.0f = 0x40000000
        0x00, 0x00, 0x40, 0x40, // 3.0f = 0x40400000
        0x00, 0x00, 0x80, 0x40, // 4.0f = 0x40800000
    ];

    private static byte[] Fixture()
    {
        Assert.Equal(152, FixtureHeader.Length);
        byte[] prefix = [0x98, 0, 0, 0, 0, 0, 0, 0];
        return [.. prefix, .. Encoding.ASCII.GetBytes(FixtureHeader), .. FixtureData];
    }

    private static TensorEntry Weight() =>
        new("weight", "F32", [2, 2], FixtureData.AsMemory(8, 16));

    private static TensorEntry Step() =>
        new("step", "I64", [], FixtureData.AsMemory(0, 8));

    private static readonly Dictionary<string, string> FixtureMetadata = new() { ["format"] = "pt" };

    [Fact]
    public void Deserialize_reads_the_hand_made_fixture()
    {
        var file = SafeTensors.Deserialize(Fixture(), File);

        Assert.Equal(new[] { "step", "weight" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, file.Metadata);

        var weight = file["weight"];
        Assert.Equal("F32", weight.DType);
        Assert.Equal(new[] { 2L, 2L }, weight.Shape);
        var floats = new float[4];
        for (var i = 0; i < 4; i++)
        {
            floats[i] = BinaryPrimitives.ReadSingleLittleEndian(weight.Data.Span[(4 * i)..]);
        }
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, floats);

        var step = file["step"];
        Assert.Equal("I64", step.DType);
        Assert.Empty(step.Shape);
        Assert.Equal(7L, BinaryPrimitives.ReadInt64LittleEndian(step.Data.Span));
        Assert.Equal(1L, step.ElementCount);
    }

    [Fact]
    public void Serialize_writes_the_hand_made_fixture_byte_for_byte()
    {
        // Given in the "wrong" order: the writer must sort them.
        var bytes = SafeTensors.Serialize([Weight(), Step()], FixtureMetadata);
        Assert.Equal(Fixture(), bytes);
    }

    [Fact]
    public void Serialize_without_metadata_and_without_tensors()
    {
        // "{}" padded to 8 bytes, no data.
        byte[] expected = [8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8];
        Assert.Equal(expected, SafeTensors.Serialize([], null));
        var file = SafeTensors.Deserialize(expected, File);
        Assert.Empty(file.Tensors);
        Assert.Null(file.Metadata);

        // An empty (non-null) metadata map is written, as the reference writer does.
        byte[] withEmptyMetadata = [24, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{}}     "u8];
        Assert.Equal(withEmptyMetadata, SafeTensors.Serialize([], new Dictionary<string, string>()));
        Assert.Empty(SafeTensors.Deserialize(withEmptyMetadata, File).Metadata!);
    }

    [Fact]
    public void Serialize_orders_by_reference_dtype_rank_then_name()
    {
        // Reference Dtype enum order (ascending alignment): BOOL < U8 < I8 < I16 < F16 < BF16 < I32 < F32 < F64 < I64.
        // Descending: I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL; ties by name.
        TensorEntry[] tensors =
        [
            new("c", "BOOL", [1], new byte[1]),
            new("a", "U8", [1], new byte[1]),
            new("b", "F64", [1], new byte[8]),
            new("z", "I64", [1], new byte[8]),
            new("y", "I64", [1], new byte[8]),
            new("d", "I32", [1], new byte[4]),
            new("e", "F32", [1], new byte[4]),
            new("f", "F16", [1], new byte[2]),
            new("g", "BF16", [1], new byte[2]),
            new("h", "I16", [1], new byte[2]),
            new("i", "I8", [1], new byte[1]),
        ];
        var file = SafeTensors.Deserialize(SafeTensors.Serialize(tensors, null), File);
        Assert.Equal(new[] { "y", "z", "b", "e", "d", "g", "f", "h", "i", "a", "c" }, file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Serialize_escapes_strings_like_serde_json()
    {
        // serde_json escapes only '"', '\\' and control characters (short forms or lowercase \u00xx);
        // everything else, non-ASCII included, is raw UTF-8.
        const string name = "a\"b\\c\nd\u0001é😀/<";
        var bytes = SafeTensors.Serialize([new TensorEntry(name, "U8", [0], Array.Empty<byte>())], new Dictionary<string, string> { ["k\t"] = "v\u001f" });
        var header = Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes)).TrimEnd(' ');
        Assert.Equal(
            "{\"__metadata__\":{\"k\\t\":\"v\\u001f\"},\"a\\\"b\\\\c\\nd\\u0001é😀/<\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}",
            header);
        var file = SafeTensors.Deserialize(bytes, File);
        Assert.Equal(name, file.Tensors.Single().Name);
        Assert.Equal("v\u001f", file.Metadata!["k\t"]);
    }

    [Fact]
    public void Empty_tensors_and_scalars_are_allowed()
    {
        TensorEntry[] tensors =
        [
            new("empty", "F32", [0, 3], Array.Empty<byte>()),
            new("also_empty", "F32", [4, 0], Array.Empty<byte>()),
            new("scalar", "F32", [], new byte[] { 0, 0, 0x80, 0x3F }),
        ];
        var file = SafeTensors.Deserialize(SafeTensors.Serialize(tensors, null), File);
        Assert.Equal(tensors.OrderBy(t => t.Name, StringComparer.Ordinal), file.Tensors);
        Assert.Equal(0L, file["empty"].ElementCount);
    }

    [Fact]
    public void Writer_rejects_invalid_entries()
    {
        Assert.Throws<ArgumentException>(() => new TensorEntry("x", "F32", [2, 2], new byte[15]));
        Assert.Throws<ArgumentException>(() => new TensorEntry("x", "Q4", [1], new byte[1]));
        Assert.Throws<ArgumentException>(() => new TensorEntry("x", "F32", [-1], Array.Empty<byte>()));
        Assert.Throws<ArgumentException>(() => new TensorEntry("__metadata__", "U8", [0], Array.Empty<byte>()));
        var entry = new TensorEntry("x", "U8", [1], new byte[1]);
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize([entry, entry], null));
    }

    // ------------------------------------------------------------------ TorchSharp round trip

    private static readonly torch.ScalarType[] RoundTripTypes =
    [
        torch.ScalarType.Float64, torch.ScalarType.Float32, torch.ScalarType.Float16, torch.ScalarType.BFloat16,
        torch.ScalarType.Int64, torch.ScalarType.Int32, torch.ScalarType.Int16, torch.ScalarType.Int8,
        torch.ScalarType.Byte, torch.ScalarType.Bool,
    ];

    [Property(MaxTest = 40)]
    public void Torch_tensors_round_trip(int seed)
    {
        // Data comes from bounded integers (exact in every dtype) so no NaN/inf can appear.
        var random = new Random(seed);
        var originals = new List<(string Name, torch.Tensor Tensor)>();
        try
        {
            var count = random.Next(1, 6);
            for (var i = 0; i < count; i++)
            {
                var type = RoundTripTypes[random.Next(RoundTripTypes.Length)];
                var shape = Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(0, 5)).ToArray();
                var n = shape.Aggregate(1L, (a, b) => a * b);
                var values = Enumerable.Range(0, (int)n).Select(_ => (long)(type switch
                {
                    torch.ScalarType.Bool => random.Next(0, 2),
                    torch.ScalarType.Byte => random.Next(0, 256),
                    torch.ScalarType.Int8 => random.Next(-128, 128),
                    _ => random.Next(-100, 101),
                })).ToArray();
                using var raw = torch.tensor(values, dtype: torch.ScalarType.Int64);
                using var shaped = raw.reshape(shape);
                var tensor = shaped.to_type(type);
                if (shape.Length == 2 && random.Next(2) == 0)
                {
                    // A non-contiguous view: FromTensor must lay it out row-major.
                    var transposed = tensor.t();
                    tensor.Dispose();
                    tensor = transposed;
                }
                originals.Add(($"layer.{i}.{type}", tensor));
            }

            var entries = originals.Select(o => SafeTensors.FromTensor(o.Name, o.Tensor)).ToList();
            var metadata = new Dictionary<string, string> { ["seed"] = seed.ToString(), ["note"] = "quote \" and\nnewline" };
            var file = SafeTensors.Deserialize(SafeTensors.Serialize(entries, metadata), File);

            Assert.Equal(metadata, file.Metadata);
            Assert.Equal(entries.Count, file.Tensors.Length);
            foreach (var (name, original) in originals)
            {
                var entry = file[name];
                Assert.Equal(entries.Single(e => e.Name == name), entry);
                using var restored = SafeTensors.ToTensor(entry);
                Assert.Equal(original.dtype, restored.dtype);
                Assert.Equal(original.shape, restored.shape);
                using var same = original.eq(restored);
                using var all = same.all();
                Assert.True(all.item<bool>(), $"{name} differs after the round trip");
            }
        }
        finally
        {
            foreach (var (_, tensor) in originals)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void FromTensor_matches_the_fixture_bytes()
    {
        using var weight = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var step = torch.tensor(7L);
        var bytes = SafeTensors.Serialize(
            [SafeTensors.FromTensor("weight", weight), SafeTensors.FromTensor("step", step)], FixtureMetadata);
        Assert.Equal(Fixture(), bytes);
    }

    // ------------------------------------------------------------------ corruption

    /// <summary>A file with the given header text (unpadded) and data bytes.</summary>
    private static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        return [.. prefix, .. json, .. data];
    }

    private static string Rejects(byte[] bytes)
    {
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Deserialize(bytes, File));
        Assert.StartsWith(File + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }

    [Fact]
    public void Rejects_a_file_shorter_than_8_bytes()
    {
        Assert.Contains("fewer than the 8-byte", Rejects([1, 2, 3, 4, 5]));
        Assert.Contains("has 0 bytes", Rejects([]));
    }

    [Fact]
    public void Rejects_a_header_length_larger_than_the_file()
    {
        var bytes = new byte[1208];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 4096);
        Assert.Equal(
            "run.safetensors: header says 4096 bytes but the file has only 1200 after the length prefix (torn or truncated checkpoint)",
            Rejects(bytes));
    }

    [Fact]
    public void Rejects_an_absurd_header_length()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 200_000_000);
        Assert.Contains("exceeds the 100000000-byte limit", Rejects(bytes));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.Contains("exceeds the 100000000-byte limit", Rejects(bytes));
    }

    [Fact]
    public void Rejects_invalid_json()
    {
        Assert.Contains("not valid JSON", Rejects(Build("{\"a\":{\"dtype\":\"U8\",}", [])));
        Assert.Contains("not valid JSON", Rejects(Build("{\"a\":", [])));
        Assert.Contains("not valid JSON", Rejects(Build("{} x", [])));
        Assert.Contains("does not start with '{'", Rejects(Build("[]", [])));
        Assert.Contains("does not start with '{'", Rejects(Build("", [])));
        Assert.Contains("not valid UTF-8", Rejects([7, 0, 0, 0, 0, 0, 0, 0, .. "{\""u8, 0xFF, .. "\":1}"u8]));
    }

    [Fact]
    public void Rejects_offsets_with_a_hole()
    {
        var message = Rejects(Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]));
        Assert.Equal(
            "run.safetensors: tensor \"b\" starts at byte 8 but tensor \"a\" ends at 4, leaving a hole of 4 bytes",
            message);
        Assert.Contains("hole of 4 bytes before it", Rejects(Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8])));
    }

    [Fact]
    public void Rejects_overlapping_offsets()
    {
        var message = Rejects(Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]));
        Assert.Contains("overlapping offsets", message);
        Assert.Contains("\"b\"", message);
    }

    [Fact]
    public void Rejects_a_size_not_matching_shape_times_dtype()
    {
        var message = Rejects(Build(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[12]));
        Assert.Equal(
            "run.safetensors: tensor \"w\" is F32 with shape [2,2], so needs 16 bytes, but its data_offsets [0,12] span 12",
            message);
    }

    [Fact]
    public void Rejects_trailing_bytes_after_the_last_tensor()
    {
        Assert.Contains("4 trailing bytes", Rejects([.. Fixture(), 1, 2, 3, 4]));
    }

    [Fact]
    public void Rejects_an_unknown_dtype()
    {
        Assert.Contains("unknown dtype \"Q4\"", Rejects(Build(
            "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,1]}}", new byte[1])));
    }

    [Fact]
    public void Rejects_a_truncated_file()
    {
        var bytes = Fixture();
        Assert.Equal(
            "run.safetensors: the tensors need 24 bytes of data but the file has only 21 after the header (torn or truncated checkpoint)",
            Rejects(bytes[..^3]));
    }

    [Fact]
    public void Rejects_duplicate_keys_and_malformed_entries()
    {
        Assert.Contains("key \"a\" twice", Rejects(Build(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}," +
            "\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", [])));
        Assert.Contains("field \"dtype\" twice", Rejects(Build(
            "{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", [])));
        Assert.Contains("must be a string", Rejects(Build("{\"__metadata__\":{\"k\":1}}", [])));
        Assert.Contains("lacks shape", Rejects(Build("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,0]}}", [])));
        Assert.Contains("not a non-negative 64-bit integer", Rejects(Build(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", [])));
        Assert.Contains("not a non-negative 64-bit integer", Rejects(Build(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", [])));
        Assert.Contains("too large", Rejects(Build(
            "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", [])));
    }
}
