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

    const int ImagesHeaderLength = 16;
    const int LabelsHeaderLength = 8;

    /// <summary>
    /// Reads an IDX3 image file, plain or gzipped, from <paramref name="s"/> (read to its end).
    /// </summary>
    /// <param name="s">The file contents.</param>
    /// <param name="name">The file name, used only in error messages.</param>
    /// <exception cref="InvalidDataException">
    /// Bad gzip data, wrong magic number, non-positive rows/columns, negative count, truncated data or trailing bytes.
    /// </exception>
    public static IdxImages ReadImages(Stream s, string name)
    {
        byte[] data = ReadAll(s, name);
        CheckHeader(data, name, ImagesMagic, ImagesHeaderLength, "images");
        int count = ReadInt(data, 4);
        int rows = ReadInt(data, 8);
        int cols = ReadInt(data, 12);
        if (count < 0) throw Bad(name, $"header declares a negative image count ({count})");
        if (rows <= 0 || cols <= 0)
            throw Bad(name, $"header declares images of {rows}x{cols}; rows and columns must be positive");

        long perImage = (long)rows * cols;
        long expected = count * perImage;
        long actual = data.LongLength - ImagesHeaderLength;
        if (actual < expected)
            throw Bad(name, $"expected {N(count)} images of {rows}x{cols} but the file ends after {N(actual / perImage)} images"
                + (actual % perImage == 0 ? "" : $" and {N(actual % perImage)} bytes of the next"));
        if (actual > expected)
            throw Bad(name, $"{N(actual - expected)} unexpected bytes after the {N(count)} images the header declares");

        return new IdxImages(count, rows, cols, data.AsSpan(ImagesHeaderLength).ToArray());
    }

    /// <summary>
    /// Reads an IDX1 label file, plain or gzipped, from <paramref name="s"/> (read to its end).
    /// </summary>
    /// <param name="s">The file contents.</param>
    /// <param name="name">The file name, used only in error messages.</param>
    /// <exception cref="InvalidDataException">
    /// Bad gzip data, wrong magic number, negative count, truncated data, trailing bytes or a label outside 0..9.
    /// </exception>
    public static IdxLabels ReadLabels(Stream s, string name)
    {
        byte[] data = ReadAll(s, name);
        CheckHeader(data, name, LabelsMagic, LabelsHeaderLength, "labels");
        int count = ReadInt(data, 4);
        if (count < 0) throw Bad(name, $"header declares a negative label count ({count})");

        long actual = data.LongLength - LabelsHeaderLength;
        if (actual < count)
            throw Bad(name, $"expected {N(count)} labels but the file ends after {N(actual)}");
        if (actual > count)
            throw Bad(name, $"{N(actual - count)} unexpected bytes after the {N(count)} labels the header declares");

        byte[] labels = data.AsSpan(LabelsHeaderLength).ToArray();
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

    static byte[] ReadAll(Stream s, string name)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(name);
        var raw = new MemoryStream();
        s.CopyTo(raw);
        byte[] data = raw.ToArray();
        if (data.Length < 2 || data[0] != 0x1F || data[1] != 0x8B) return data;

        try
        {
            using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
            var plain = new MemoryStream();
            gz.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw Bad(name, $"starts like gzip but does not decompress ({OneLine(e.Message)})");
        }
    }

    static void CheckHeader(byte[] data, string name, int magic, int headerLength, string what)
    {
        if (data.Length < 4)
            throw Bad(name, data.Length == 0 ? "file is empty" : $"file is only {data.Length} bytes, too short for an IDX header");
        int found = ReadInt(data, 0);
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
        if (data.Length < headerLength)
            throw Bad(name, $"file is only {data.Length} bytes, too short for the {headerLength}-byte IDX {what} header");
    }

    static int ReadInt(byte[] data, int offset) => BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset, 4));

    static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    static InvalidDataException Bad(string name, string what) => new($"{name}: {what}");
}
