using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace Functional.Formats;

/// <summary>
/// A set of greyscale images read from an IDX3 file (magic 0x00000803): <see cref="Count"/> images of
/// <see cref="Rows"/> x <see cref="Cols"/> unsigned bytes each, stored row-major, image after image.
/// Invariants: <c>Count &gt;= 0</c>, <c>Rows &gt; 0</c>, <c>Cols &gt; 0</c> and
/// <c>Pixels.Length == Count * Rows * Cols</c>.
/// </summary>
public sealed record IdxImages
{
    /// <summary>Creates an image set, checking the invariants.</summary>
    /// <exception cref="ArgumentException">A dimension is out of range or the pixel count does not match.</exception>
    public IdxImages(int count, int rows, int cols, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        ArgumentNullException.ThrowIfNull(pixels);
        if ((long)count * rows * cols != pixels.LongLength)
            throw new ArgumentException(
                $"{count} images of {rows}x{cols} need {(long)count * rows * cols} pixel bytes, got {pixels.LongLength}.",
                nameof(pixels));
        Count = count;
        Rows = rows;
        Cols = cols;
        Pixels = pixels;
    }

    /// <summary>Number of images; never negative.</summary>
    public int Count { get; }

    /// <summary>Height of every image in pixels; always positive.</summary>
    public int Rows { get; }

    /// <summary>Width of every image in pixels; always positive.</summary>
    public int Cols { get; }

    /// <summary>
    /// All pixels, row-major, image after image (0 = background, 255 = full ink for MNIST);
    /// length is <c>Count * Rows * Cols</c>. Treat as read-only.
    /// </summary>
    public byte[] Pixels { get; }
}

/// <summary>
/// Class labels read from an IDX1 file (magic 0x00000801). Invariant: every label is a digit class 0..9.
/// </summary>
public sealed record IdxLabels
{
    /// <summary>Creates a label set, checking that every label is in 0..9.</summary>
    /// <exception cref="ArgumentException">A label is greater than 9.</exception>
    public IdxLabels(byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int bad = Array.FindIndex(labels, l => l > Idx.MaxLabel);
        if (bad >= 0)
            throw new ArgumentException($"label {labels[bad]} at index {bad} is outside 0..{Idx.MaxLabel}.", nameof(labels));
        Labels = labels;
    }

    /// <summary>The labels, one byte per item, each in 0..9. Treat as read-only.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of labels.</summary>
    public int Count => Labels.Length;
}

/// <summary>
/// Reads and writes the IDX format used by the MNIST distribution (big-endian header, raw unsigned bytes).
/// Pure: works on streams and byte arrays only, never on the file system. Reading transparently
/// decompresses gzip input (detected by the magic bytes 1F 8B). Every reading error is an
/// <see cref="InvalidDataException"/> whose message is one line starting with the file name.
/// </summary>
public static class Idx
{
    /// <summary>Magic number of an IDX file of unsigned bytes with three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Largest valid label: the classes are the digits 0..9.</summary>
    public const byte MaxLabel = 9;

    /// <summary>
    /// The most payload bytes (pixels or labels) a file may declare: 512 MiB, about ten times the full MNIST training
    /// set. A header declaring more is refused before anything is allocated.
    /// </summary>
    public const long MaxPayloadBytes = 512L * 1024 * 1024;

    const int ImagesHeaderLength = 16;
    const int LabelsHeaderLength = 8;

    /// <summary>
    /// Reads an IDX3 image file, plain or gzipped, from <paramref name="s"/>: the header, then exactly the pixels it
    /// declares (at most <see cref="MaxPayloadBytes"/>), then one probe for trailing bytes. Memory use is what the header
    /// declares, whatever the stream holds.
    /// </summary>
    /// <param name="s">The file contents.</param>
    /// <param name="name">The file name, used only in error messages.</param>
    /// <exception cref="InvalidDataException">
    /// Bad gzip data, wrong magic number, non-positive rows/columns, negative count, truncated data or trailing bytes.
    /// </exception>
    public static IdxImages ReadImages(Stream s, string name)
    {
        using var input = Open(s, name);
        var header = ReadHeader(input, name, ImagesMagic, ImagesHeaderLength, "images");
        int count = ReadInt(header, 4);
        int rows = ReadInt(header, 8);
        int cols = ReadInt(header, 12);
        if (count < 0) throw Bad(name, $"header declares a negative image count ({count})");
        if (rows <= 0 || cols <= 0)
            throw Bad(name, $"header declares images of {rows}x{cols}; rows and columns must be positive");

        long perImage = (long)rows * cols;
        long expected = count * perImage;
        if (expected > MaxPayloadBytes)
            throw Bad(name, $"header declares {N(count)} images of {rows}x{cols} ({N(expected)} bytes), more than the {N(MaxPayloadBytes)} bytes this program reads");
        var pixels = new byte[expected];
        long actual = ReadUpTo(input, pixels, name);
        if (actual < expected)
            throw Bad(name, $"expected {N(count)} images of {rows}x{cols} but the file ends after {N(actual / perImage)} images"
                + (actual % perImage == 0 ? "" : $" and {N(actual % perImage)} bytes of the next"));
        RequireEnd(input, name, $"the {N(count)} images the header declares");
        return new IdxImages(count, rows, cols, pixels);
    }

    /// <summary>
    /// Reads an IDX1 label file, plain or gzipped, from <paramref name="s"/>: the header, then exactly the labels it
    /// declares (at most <see cref="MaxPayloadBytes"/>), then one probe for trailing bytes.
    /// </summary>
    /// <param name="s">The file contents.</param>
    /// <param name="name">The file name, used only in error messages.</param>
    /// <exception cref="InvalidDataException">
    /// Bad gzip data, wrong magic number, negative count, truncated data, trailing bytes or a label outside 0..9.
    /// </exception>
    public static IdxLabels ReadLabels(Stream s, string name)
    {
        using var input = Open(s, name);
        var header = ReadHeader(input, name, LabelsMagic, LabelsHeaderLength, "labels");
        int count = ReadInt(header, 4);
        if (count < 0) throw Bad(name, $"header declares a negative label count ({count})");
        if (count > MaxPayloadBytes)
            throw Bad(name, $"header declares {N(count)} labels, more than the {N(MaxPayloadBytes)} this program reads");

        var labels = new byte[count];
        long actual = ReadUpTo(input, labels, name);
        if (actual < count)
            throw Bad(name, $"expected {N(count)} labels but the file ends after {N(actual)}");
        RequireEnd(input, name, $"the {N(count)} labels the header declares");
        int bad = Array.FindIndex(labels, l => l > MaxLabel);
        if (bad >= 0) throw Bad(name, $"label {labels[bad]} at index {N(bad)} is outside 0..{MaxLabel}");
        return new IdxLabels(labels);
    }

    /// <summary>Checks that an image file and a label file describe the same number of items.</summary>
    /// <exception cref="InvalidDataException">The counts differ; the message names both files.</exception>
    public static void Check(IdxImages images, IdxLabels labels, string imagesName, string labelsName)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Count != labels.Count)
            throw new InvalidDataException(
                $"{imagesName} has {N(images.Count)} images but {labelsName} has {N(labels.Count)} labels; they must match one to one");
    }

    /// <summary>Encodes <paramref name="images"/> as an uncompressed IDX3 file (header, then the pixels).</summary>
    public static byte[] WriteImages(IdxImages images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var bytes = new byte[ImagesHeaderLength + images.Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), images.Cols);
        images.Pixels.CopyTo(bytes, ImagesHeaderLength);
        return bytes;
    }

    /// <summary>Encodes <paramref name="labels"/> as an uncompressed IDX1 file (header, then the labels).</summary>
    public static byte[] WriteLabels(IdxLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var bytes = new byte[LabelsHeaderLength + labels.Labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Labels.Length);
        labels.Labels.CopyTo(bytes, LabelsHeaderLength);
        return bytes;
    }

    // The stream to parse: s itself, or a decompressing view of it when it starts with gzip's magic bytes. Nothing is
    // read ahead beyond those two bytes, so a file is never held whole in memory, and a gzip bomb is stopped as soon as
    // it inflates past what its header declares (plus the one byte that proves it does).
    static Stream Open(Stream s, string name)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(name);
        var magic = new byte[2];
        int got = s.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        var start = new MemoryStream(magic, 0, got);
        var whole = new ConcatenatedStream(start, s);
        return got == 2 && magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(whole, CompressionMode.Decompress) : whole;
    }

    static byte[] ReadHeader(Stream input, string name, int magic, int headerLength, string what)
    {
        var header = new byte[headerLength];
        int got = Fill(input, header, name);
        if (got < 4)
            throw Bad(name, got == 0 ? "file is empty" : $"file is only {got} bytes, too short for an IDX header");
        int found = ReadInt(header, 0);
        if (found != magic)
        {
            string hint = found switch
            {
                ImagesMagic => " (that is an IDX images file)",
                LabelsMagic => " (that is an IDX labels file)",
                _ => "",
            };
            throw Bad(name, $"magic number is 0x{found:X8}{hint}, expected 0x{magic:X8} for IDX {what}");
        }
        if (got < headerLength)
            throw Bad(name, $"file is only {got} bytes, too short for the {headerLength}-byte IDX {what} header");
        return header;
    }

    // Reads until buffer is full or the stream ends; returns how many bytes came.
    static long ReadUpTo(Stream input, byte[] buffer, string name) => Fill(input, buffer, name);

    static int Fill(Stream input, byte[] buffer, string name)
    {
        try
        {
            return input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Bad(name, $"starts like gzip but does not decompress ({OneLine(e.Message)})");
        }
    }

    // One byte past the declared data proves there are trailing bytes; how many is counted up to a bound only.
    static void RequireEnd(Stream input, string name, string declared)
    {
        var probe = new byte[64 * 1024];
        int extra = Fill(input, probe, name);
        if (extra == 0) return;
        var more = extra == probe.Length ? "at least " : "";
        throw Bad(name, $"{more}{N(extra)} unexpected bytes after {declared}");
    }

    static int ReadInt(byte[] data, int offset) => BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset, 4));

    static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    static InvalidDataException Bad(string name, string what) => new($"{name}: {what}");

    // The bytes already read to sniff the format, followed by the rest of the stream.
    sealed class ConcatenatedStream(Stream first, Stream second) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = first.Read(buffer);
            return n > 0 || buffer.IsEmpty ? n : second.Read(buffer);
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
