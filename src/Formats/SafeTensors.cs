using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Functional.Formats;

/// <summary>
/// One named tensor as the safetensors format stores it: a dtype name, a shape and the raw
/// little-endian, row-major, contiguous bytes.
/// Invariants (checked on construction): <see cref="Name"/> is non-null and not <c>__metadata__</c>,
/// <see cref="DType"/> is one of <see cref="SafeTensors.DTypes"/>, every dimension of
/// <see cref="Shape"/> is non-negative, and <see cref="Data"/> holds exactly
/// product(<see cref="Shape"/>) × element size bytes. Equality compares names, dtypes, shapes and bytes.
/// </summary>
public sealed record TensorEntry
{
    /// <summary>Creates an entry, checking the invariants described on the type.</summary>
    /// <exception cref="ArgumentException">When an invariant does not hold.</exception>
    public TensorEntry(string name, string dtype, ImmutableArray<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dtype);
        if (name == SafeTensors.MetadataKey)
        {
            throw new ArgumentException($"The tensor name \"{SafeTensors.MetadataKey}\" is reserved for the metadata.", nameof(name));
        }
        if (shape.IsDefault)
        {
            throw new ArgumentException("The shape must be an initialised array (use [] for a scalar).", nameof(shape));
        }
        var elementSize = SafeTensors.ElementSize(dtype);
        long expected;
        try
        {
            expected = checked(SafeTensors.ElementCount(shape) * elementSize);
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"The shape [{string.Join(",", shape)}] of tensor \"{name}\" is too large.", nameof(shape));
        }
        if (data.Length != expected)
        {
            throw new ArgumentException(
                $"Tensor \"{name}\" ({dtype}, shape [{string.Join(",", shape)}]) needs {expected} bytes but was given {data.Length}.",
                nameof(data));
        }
        this.Name = name;
        this.DType = dtype;
        this.Shape = shape;
        this.Data = data;
    }

    /// <summary>The tensor's key in the file; never <c>__metadata__</c>.</summary>
    public string Name { get; }

    /// <summary>The safetensors dtype name, e.g. <c>"F32"</c>; always one of <see cref="SafeTensors.DTypes"/>.</summary>
    public string DType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar, all non-negative.</summary>
    public ImmutableArray<long> Shape { get; }

    /// <summary>The elements' bytes: little-endian, row-major, contiguous, exactly product(Shape) × element size long.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar, 0 if any dimension is 0).</summary>
    public long ElementCount => SafeTensors.ElementCount(Shape);

    /// <summary>True when both entries have the same name, dtype, shape and bytes.</summary>
    public bool Equals(TensorEntry? other) =>
        other is not null
        && Name == other.Name
        && DType == other.DType
        && Shape.AsSpan().SequenceEqual(other.Shape.AsSpan())
        && Data.Span.SequenceEqual(other.Data.Span);

    /// <summary>A hash of the name, dtype and shape (consistent with <see cref="Equals(TensorEntry?)"/>).</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        hash.Add(DType);
        foreach (var dimension in Shape)
        {
            hash.Add(dimension);
        }
        return hash.ToHashCode();
    }

    /// <summary>A short description: name, dtype and shape (not the bytes).</summary>
    public override string ToString() => $"{Name}: {DType}[{string.Join(",", Shape)}]";
}

/// <summary>
/// The parsed content of a safetensors file: its tensors, in the order their bytes appear in the
/// data buffer, and the optional <c>__metadata__</c> string map. Tensor names are unique.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, TensorEntry> _byName;

    /// <summary>Creates the view over already validated tensors (names must be unique).</summary>
    internal SafeTensorsFile(ImmutableArray<TensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The tensors in data-offset order (the order the reference writer lays them out in).</summary>
    public ImmutableArray<TensorEntry> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map, or null when the header has none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; }

    /// <summary>The tensor with the given name.</summary>
    /// <exception cref="KeyNotFoundException">When the file has no such tensor.</exception>
    public TensorEntry this[string name] =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"The checkpoint has no tensor named \"{name}\".");

    /// <summary>Whether the file has a tensor named <paramref name="name"/> (then the indexer finds it): the lookup without an <c>out</c> parameter.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Looks a tensor up by name: true with the entry when present, false (and no entry) otherwise.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TensorEntry entry) =>
        _byName.TryGetValue(name, out entry);
}

/// <summary>
/// Reads and writes the Hugging Face safetensors format in memory (no file system access):
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON header (padded with spaces so
/// the data starts 8-byte aligned), then the data buffer the header's offsets tile exactly.
/// Writing follows the reference implementation's layout (tensors sorted by dtype alignment
/// descending, then by name) so the bytes match Python's <c>safetensors.torch.save_file</c>.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reserved header key holding the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header the reader accepts, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    // The dtypes in the order of the reference implementation's Dtype enum (increasing alignment), with their sizes in
    // bytes; a dtype's rank is its position here. Writers sort by rank descending, then by name.
    private static readonly (string Name, int Size)[] Table =
        [("BOOL", 1), ("U8", 1), ("I8", 1), ("I16", 2), ("U16", 2), ("F16", 2), ("BF16", 2), ("I32", 4), ("U32", 4), ("F32", 4), ("F64", 8), ("I64", 8), ("U64", 8)];

    private static readonly Dictionary<string, (int Size, int Rank)> Known =
        Table.Select((d, rank) => (d.Name, Info: (d.Size, rank))).ToDictionary(d => d.Name, d => d.Info, StringComparer.Ordinal);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The dtype names this implementation reads and writes, in increasing alignment order.</summary>
    public static ImmutableArray<string> DTypes { get; } =
        [.. Table.Select(d => d.Name)];

    /// <summary>Whether <paramref name="dtype"/> is one of <see cref="DTypes"/>.</summary>
    public static bool IsKnownDType(string dtype) => Known.ContainsKey(dtype);

    /// <summary>The size in bytes of one element of <paramref name="dtype"/>.</summary>
    /// <exception cref="ArgumentException">When the dtype is not one of <see cref="DTypes"/>.</exception>
    public static int ElementSize(string dtype) =>
        Known.TryGetValue(dtype, out var info)
            ? info.Size
            : throw new ArgumentException($"Unknown safetensors dtype \"{dtype}\" (known: {string.Join(", ", DTypes)}).", nameof(dtype));

    /// <summary>The product of the dimensions (1 for a scalar); throws <see cref="OverflowException"/> past <see cref="long.MaxValue"/>.</summary>
    /// <exception cref="ArgumentException">When a dimension is negative.</exception>
    public static long ElementCount(ImmutableArray<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Negative dimension {dimension} in shape [{string.Join(",", shape)}].", nameof(shape));
            }
            count = checked(count * dimension);
        }
        return count;
    }

    // ---------------------------------------------------------------- writing

    /// <summary>
    /// The complete file bytes for <paramref name="tensors"/> and optional <paramref name="metadata"/>
    /// (null writes no <c>__metadata__</c> key; an empty map writes <c>{}</c>).
    /// </summary>
    /// <exception cref="ArgumentException">When two tensors share a name or a name/key is not valid Unicode.</exception>
    public static byte[] Serialize(IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        Write(buffer, tensors, metadata);
        return buffer.ToArray();
    }

    /// <summary>Writes the same bytes as <see cref="Serialize"/> to <paramref name="destination"/>, tensor by tensor.</summary>
    /// <exception cref="ArgumentException">When two tensors share a name or a name/key is not valid Unicode.</exception>
    public static void Write(Stream destination, IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (header, ordered) = BuildHeader(tensors, metadata);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        destination.Write(prefix);
        destination.Write(header);
        foreach (var entry in ordered)
        {
            destination.Write(entry.Data.Span);
        }
    }

    /// <summary>
    /// The padded header and the tensors in layout order. The JSON text is produced by hand rather than
    /// by <see cref="Utf8JsonWriter"/> because byte parity with the reference writer (serde_json) needs its
    /// exact escaping: only <c>"</c>, <c>\</c> and control characters, lowercase <c>\u00xx</c>, everything
    /// else (including non-ASCII) as raw UTF-8. The reader uses <see cref="Utf8JsonReader"/>.
    /// </summary>
    private static (byte[] Header, List<TensorEntry> Ordered) BuildHeader(
        IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var keyed = new List<(byte[] Utf8Name, TensorEntry Entry)>(tensors.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in tensors)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(tensors));
            if (!seen.Add(entry.Name))
            {
                throw new ArgumentException($"Two tensors are named \"{entry.Name}\".", nameof(tensors));
            }
            keyed.Add((EncodeStrict(entry.Name, "tensor name"), entry));
        }
        // The reference writer: dtype rank descending, then name by (UTF-8) byte order.
        keyed.Sort((left, right) =>
        {
            var byDtype = Known[right.Entry.DType].Rank.CompareTo(Known[left.Entry.DType].Rank);
            return byDtype != 0 ? byDtype : left.Utf8Name.AsSpan().SequenceCompareTo(right.Utf8Name);
        });

        var json = new MemoryStream();
        json.WriteByte((byte)'{');
        var first = true;
        if (metadata is not null)
        {
            // The reference keeps metadata in a hash map, so its order is unspecified there; sorting by
            // UTF-8 bytes makes ours deterministic (and identical for zero or one entries).
            var pairs = metadata
                .Select(kv => (Key: EncodeStrict(kv.Key ?? throw new ArgumentException("Null metadata key.", nameof(metadata)), "metadata key"),
                               Value: EncodeStrict(kv.Value ?? throw new ArgumentException($"Null metadata value for \"{kv.Key}\".", nameof(metadata)), "metadata value")))
                .ToList();
            pairs.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
            WriteJsonString(json, Encoding.UTF8.GetBytes(MetadataKey));
            json.WriteByte((byte)':');
            json.WriteByte((byte)'{');
            for (var i = 0; i < pairs.Count; i++)
            {
                if (i > 0)
                {
                    json.WriteByte((byte)',');
                }
                WriteJsonString(json, pairs[i].Key);
                json.WriteByte((byte)':');
                WriteJsonString(json, pairs[i].Value);
            }
            json.WriteByte((byte)'}');
            first = false;
        }
        long offset = 0;
        foreach (var (utf8Name, entry) in keyed)
        {
            if (!first)
            {
                json.WriteByte((byte)',');
            }
            first = false;
            WriteJsonString(json, utf8Name);
            var end = offset + entry.Data.Length;
            WriteAscii(json, $":{{\"dtype\":\"{entry.DType}\",\"shape\":[{string.Join(",", entry.Shape)}],\"data_offsets\":[{offset},{end}]}}");
            offset = end;
        }
        json.WriteByte((byte)'}');
        while (json.Length % 8 != 0)
        {
            json.WriteByte((byte)' ');
        }
        return (json.ToArray(), keyed.ConvertAll(k => k.Entry));
    }

    private static byte[] EncodeStrict(string text, string what)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"The {what} \"{text}\" is not valid Unicode (lone surrogate).");
        }
    }

    private static void WriteAscii(Stream destination, string ascii) => destination.Write(Encoding.ASCII.GetBytes(ascii));

    private static void WriteJsonString(Stream destination, byte[] utf8)
    {
        const string Hex = "0123456789abcdef";
        destination.WriteByte((byte)'"');
        foreach (var b in utf8)
        {
            switch (b)
            {
                case (byte)'"': WriteAscii(destination, "\\\""); break;
                case (byte)'\\': WriteAscii(destination, "\\\\"); break;
                case (byte)'\b': WriteAscii(destination, "\\b"); break;
                case (byte)'\f': WriteAscii(destination, "\\f"); break;
                case (byte)'\n': WriteAscii(destination, "\\n"); break;
                case (byte)'\r': WriteAscii(destination, "\\r"); break;
                case (byte)'\t': WriteAscii(destination, "\\t"); break;
                case < 0x20: WriteAscii(destination, $"\\u00{Hex[b >> 4]}{Hex[b & 0xF]}"); break;
                default: destination.WriteByte(b); break;
            }
        }
        destination.WriteByte((byte)'"');
    }

    // ---------------------------------------------------------------- reading

    /// <summary>
    /// Parses and fully validates a whole safetensors file held in <paramref name="bytes"/>; the tensors'
    /// data is copied (one array, sliced per tensor). <paramref name="name"/> only labels error messages.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// On any violation of the format, with a one-line message starting with <paramref name="name"/>:
    /// fewer than 8 bytes, header over 100 MB or past the end of the file, header not UTF-8 / not a JSON
    /// object / not starting with <c>{</c>, duplicate keys, unknown dtypes or fields, bad shapes or offsets,
    /// a size not matching shape × dtype, holes or overlaps between tensors, or data missing or left over.
    /// </exception>
    public static SafeTensorsFile Deserialize(ReadOnlySpan<byte> bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (bytes.Length < 8)
        {
            throw Corrupt(name, $"the file has {bytes.Length} bytes, fewer than the 8-byte header length prefix (empty or truncated file)");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw Corrupt(name, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit (corrupt length prefix or not a safetensors file)");
        }
        var afterPrefix = bytes.Length - 8;
        if ((long)headerLength > afterPrefix)
        {
            throw Corrupt(name, $"header says {headerLength} bytes but the file has only {afterPrefix} after the length prefix (torn or truncated checkpoint)");
        }
        var header = bytes.Slice(8, (int)headerLength);
        var data = bytes[(8 + (int)headerLength)..];
        if (header.IsEmpty || header[0] != (byte)'{')
        {
            throw Corrupt(name, "the header does not start with '{' (not a safetensors file?)");
        }
        if (!Utf8.IsValid(header))
        {
            throw Corrupt(name, "the header is not valid UTF-8");
        }

        List<(string Name, string DType, ImmutableArray<long> Shape, long Begin, long End)> infos;
        Dictionary<string, string>? metadata;
        try
        {
            (infos, metadata) = ParseHeader(header, name);
        }
        catch (JsonException e)
        {
            throw Corrupt(name, $"the header is not valid JSON ({OneLine(e.Message)})");
        }

        // Sorted by (begin, end), the tensors must tile [0, data.Length) exactly.
        var ordered = infos.OrderBy(i => i.Begin).ThenBy(i => i.End).ToList();
        long covered = 0;
        string? previous = null;
        foreach (var info in ordered)
        {
            if (info.Begin > covered)
            {
                throw Corrupt(name, previous is null
                    ? $"tensor {Quote(info.Name)} starts at byte {info.Begin} of the data buffer, leaving a hole of {info.Begin} bytes before it"
                    : $"tensor {Quote(info.Name)} starts at byte {info.Begin} but tensor {Quote(previous)} ends at {covered}, leaving a hole of {info.Begin - covered} bytes");
            }
            if (info.Begin < covered)
            {
                throw Corrupt(name, $"tensor {Quote(info.Name)} starts at byte {info.Begin} but tensor {Quote(previous!)} already covers bytes up to {covered} (overlapping offsets)");
            }
            covered = info.End;
            previous = info.Name;
        }
        if (covered > data.Length)
        {
            throw Corrupt(name, $"the tensors need {covered} bytes of data but the file has only {data.Length} after the header (torn or truncated checkpoint)");
        }
        if (covered < data.Length)
        {
            throw Corrupt(name, $"the data buffer has {data.Length} bytes but the tensors cover only {covered} ({data.Length - covered} trailing bytes)");
        }

        var storage = data.ToArray();
        var memory = new ReadOnlyMemory<byte>(storage);
        var entries = ordered
            .Select(i => new TensorEntry(i.Name, i.DType, i.Shape, memory[(int)i.Begin..(int)i.End]))
            .ToImmutableArray();
        return new SafeTensorsFile(entries, metadata);
    }

    private static (List<(string Name, string DType, ImmutableArray<long> Shape, long Begin, long End)>, Dictionary<string, string>?)
        ParseHeader(ReadOnlySpan<byte> header, string file)
    {
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        reader.Read(); // the '{' checked by the caller
        var infos = new List<(string, string, ImmutableArray<long>, long, long)>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            var key = reader.GetString()!;
            if (!keys.Add(key))
            {
                throw Corrupt(file, $"the header has the key {Quote(key)} twice (duplicate keys are not allowed)");
            }
            reader.Read();
            if (key == MetadataKey)
            {
                metadata = ReadMetadata(ref reader, file);
            }
            else
            {
                infos.Add(ReadTensorInfo(ref reader, file, key));
            }
        }
        if (reader.Read())
        {
            throw Corrupt(file, "the header has content after its closing '}' (only space padding is allowed)");
        }
        return (infos, metadata);
    }

    private static Dictionary<string, string>? ReadMetadata(ref Utf8JsonReader reader, string file)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Corrupt(file, $"\"{MetadataKey}\" must be an object of strings, not {JsonWords.Describe(reader.TokenType)}");
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return metadata;
            }
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Corrupt(file, $"metadata entry {Quote(key)} must be a string, not {JsonWords.Describe(reader.TokenType)}");
            }
            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw Corrupt(file, $"the metadata has the key {Quote(key)} twice (duplicate keys are not allowed)");
            }
        }
    }

    private static (string, string, ImmutableArray<long>, long, long) ReadTensorInfo(ref Utf8JsonReader reader, string file, string tensor)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Corrupt(file, $"tensor {Quote(tensor)} must be described by an object, not {JsonWords.Describe(reader.TokenType)}");
        }
        string? dtype = null;
        ImmutableArray<long>? shape = null;
        ImmutableArray<long>? offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            var field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype" when dtype is null:
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Corrupt(file, $"tensor {Quote(tensor)} has a dtype that is {JsonWords.Describe(reader.TokenType)}, not a string");
                    }
                    dtype = reader.GetString()!;
                    if (!Known.ContainsKey(dtype))
                    {
                        throw Corrupt(file, $"tensor {Quote(tensor)} has unknown dtype {Quote(dtype)} (known: {string.Join(", ", DTypes)})");
                    }
                    break;
                case "shape" when shape is null:
                    shape = ReadNaturals(ref reader, file, tensor, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadNaturals(ref reader, file, tensor, "data_offsets");
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw Corrupt(file, $"tensor {Quote(tensor)} has the field {Quote(field)} twice (duplicate keys are not allowed)");
                default:
                    throw Corrupt(file, $"tensor {Quote(tensor)} has an unknown field {Quote(field)} (expected dtype, shape, data_offsets)");
            }
        }
        if (dtype is null || shape is null || offsets is null)
        {
            var missing = new[] { ("dtype", dtype is null), ("shape", shape is null), ("data_offsets", offsets is null) }
                .Where(m => m.Item2).Select(m => m.Item1);
            throw Corrupt(file, $"tensor {Quote(tensor)} lacks {string.Join(" and ", missing)}");
        }
        if (offsets.Value.Length != 2)
        {
            throw Corrupt(file, $"tensor {Quote(tensor)} has {offsets.Value.Length} data_offsets, expected 2: [begin, end]");
        }
        var (begin, end) = (offsets.Value[0], offsets.Value[1]);
        if (end < begin)
        {
            throw Corrupt(file, $"tensor {Quote(tensor)} has data_offsets [{begin},{end}] that end before they begin");
        }
        long expected;
        try
        {
            expected = checked(ElementCount(shape.Value) * Known[dtype].Size);
        }
        catch (OverflowException)
        {
            throw Corrupt(file, $"tensor {Quote(tensor)} has a shape [{string.Join(",", shape.Value)}] too large to address");
        }
        if (end - begin != expected)
        {
            throw Corrupt(file, $"tensor {Quote(tensor)} is {dtype} with shape [{string.Join(",", shape.Value)}], so needs {expected} bytes, but its data_offsets [{begin},{end}] span {end - begin}");
        }
        return (tensor, dtype, shape.Value, begin, end);
    }

    private static ImmutableArray<long> ReadNaturals(ref Utf8JsonReader reader, string file, string tensor, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Corrupt(file, $"tensor {Quote(tensor)} has a {field} that is {JsonWords.Describe(reader.TokenType)}, not an array of integers");
        }
        var values = ImmutableArray.CreateBuilder<long>();
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return values.ToImmutable();
            }
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
            {
                throw Corrupt(file, $"tensor {Quote(tensor)} has a {field} entry that is not a non-negative 64-bit integer");
            }
            values.Add(value);
        }
    }

    private static InvalidDataException Corrupt(string file, string what) => new($"{file}: {what}");

    /// <summary>A name in quotes with control characters escaped, so messages stay on one line.</summary>
    private static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = char.IsControl(c) ? builder.Append($"\\u{(int)c:x4}") : builder.Append(c);
        }
        return builder.Append('"').ToString();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
