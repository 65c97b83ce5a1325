using System.IO.Compression;
using System.Text.RegularExpressions;
using Functional.Formats;
using Xunit;

namespace Functional.Properties.Formats;

public class IdxTests
{
    static IdxImages SampleImages(int count = 3, int rows = 2, int cols = 4)
    {
        var pixels = new byte[count * rows * cols];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 % 256);
        return new IdxImages(count, rows, cols, pixels);
    }

    static IdxLabels SampleLabels(int count = 3) =>
        new(Enumerable.Range(0, count).Select(i => (byte)(i * 7 % 10)).ToArray());

    static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    static InvalidDataException ReadImagesFails(byte[] bytes, string name = "x-images") =>
        Assert.Throws<InvalidDataException>(() => Idx.ReadImages(new MemoryStream(bytes), name));

    static InvalidDataException ReadLabelsFails(byte[] bytes, string name = "x-labels") =>
        Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(new MemoryStream(bytes), name));

    static void OneLineNaming(Exception e, string name, string fragment)
    {
        Assert.StartsWith(name + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Round_trip_plain_and_gzipped(bool gzip)
    {
        var images = SampleImages();
        var labels = SampleLabels();
        byte[] imageBytes = Idx.WriteImages(images), labelBytes = Idx.WriteLabels(labels);
        if (gzip) (imageBytes, labelBytes) = (Gzip(imageBytes), Gzip(labelBytes));

        var imagesBack = Idx.ReadImages(new MemoryStream(imageBytes), "i");
        var labelsBack = Idx.ReadLabels(new MemoryStream(labelBytes), "l");

        Assert.Equal((3, 2, 4), (imagesBack.Count, imagesBack.Rows, imagesBack.Cols));
        Assert.Equal(images.Pixels, imagesBack.Pixels);
        Assert.Equal(labels.Labels, labelsBack.Labels);
        Idx.Check(imagesBack, labelsBack, "i", "l");
    }

    [Fact]
    public void Writer_emits_big_endian_headers()
    {
        byte[] img = Idx.WriteImages(SampleImages(count: 258, rows: 28, cols: 28));
        Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 1, 2, 0, 0, 0, 28, 0, 0, 0, 28 }, img[..16]);
        byte[] lab = Idx.WriteLabels(SampleLabels(258));
        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 1, 2 }, lab[..8]);
    }

    [Fact]
    public void Empty_sets_round_trip()
    {
        var images = Idx.ReadImages(new MemoryStream(Idx.WriteImages(SampleImages(count: 0))), "i");
        var labels = Idx.ReadLabels(new MemoryStream(Idx.WriteLabels(SampleLabels(0))), "l");
        Assert.Equal(0, images.Count);
        Assert.Empty(labels.Labels);
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        byte[] bytes = Idx.WriteImages(SampleImages());
        bytes[3] = 0x04;
        OneLineNaming(ReadImagesFails(bytes, "a.idx"), "a.idx", "magic number is 0x00000804");
    }

    [Fact]
    public void Labels_file_passed_as_images_says_so()
    {
        var e = ReadImagesFails(Idx.WriteLabels(SampleLabels(20)), "train-labels-idx1-ubyte");
        OneLineNaming(e, "train-labels-idx1-ubyte", "IDX labels file");
    }

    [Fact]
    public void Truncated_images_are_rejected_gzipped_too()
    {
        byte[] bytes = Idx.WriteImages(SampleImages());
        var e = ReadImagesFails(Gzip(bytes[..^5]), "t.gz");
        OneLineNaming(e, "t.gz", "expected 3 images of 2x4 but the file ends after 2 images and 3 bytes of the next");
    }

    [Fact]
    public void Truncated_labels_name_the_counts()
    {
        var labels = new IdxLabels(new byte[10_000]);
        byte[] bytes = Idx.WriteLabels(labels)[..^2];
        var e = ReadLabelsFails(bytes, "t10k-labels-idx1-ubyte.gz");
        Assert.Equal("t10k-labels-idx1-ubyte.gz: expected 10,000 labels but the file ends after 9,998", e.Message);
    }

    [Fact]
    public void Truncated_header_is_rejected()
    {
        OneLineNaming(ReadImagesFails(Idx.WriteImages(SampleImages())[..10], "h"), "h", "too short");
        OneLineNaming(ReadLabelsFails([], "e"), "e", "empty");
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        byte[] images = [.. Idx.WriteImages(SampleImages()), 1, 2];
        OneLineNaming(ReadImagesFails(images, "i"), "i", "2 unexpected bytes after the 3 images");
        byte[] labels = [.. Idx.WriteLabels(SampleLabels()), 0];
        OneLineNaming(ReadLabelsFails(Gzip(labels), "l"), "l", "1 unexpected bytes after the 3 labels");
    }

    [Fact]
    public void A_gzip_bomb_is_stopped_just_past_what_its_header_declares()
    {
        // 3 labels declared, then 64 MiB of zeros: a few KB compressed.
        var bomb = new byte[8 + 64 * 1024 * 1024];
        Idx.WriteLabels(SampleLabels()).AsSpan(0, 11).CopyTo(bomb);
        var compressed = new CountingStream(Gzip(bomb));
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(compressed, "bomb.gz"));
        OneLineNaming(e, "bomb.gz", "unexpected bytes after the 3 labels");
        Assert.Contains("at least 65,536", e.Message);
        // Only a small part of the compressed stream was pulled: the reader never inflated the whole file.
        Assert.True(compressed.Pulled < compressed.Length / 2, $"read {compressed.Pulled} of {compressed.Length} compressed bytes");
    }

    [Fact]
    public void An_endless_stream_after_the_declared_images_is_refused_without_reading_it_to_the_end()
    {
        var header = Idx.WriteImages(SampleImages());
        var endless = new EndlessAfter(header);
        OneLineNaming(Assert.Throws<InvalidDataException>(() => Idx.ReadImages(endless, "zero")), "zero", "unexpected bytes after the 3 images");
    }

    [Theory]
    [InlineData(int.MaxValue, 28, 28)]
    [InlineData(700_000, 28, 28)]
    [InlineData(1, 65_536, 65_536)]
    public void A_header_declaring_more_than_the_cap_is_refused_before_anything_is_allocated(int count, int rows, int cols)
    {
        var header = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, Idx.ImagesMagic);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        var before = GC.GetAllocatedBytesForCurrentThread();
        OneLineNaming(ReadImagesFails(header, "big"), "big", "more than the 536,870,912 bytes this program reads");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024, "the refusal allocated the declared payload");
    }

    [Fact]
    public void Label_count_above_the_cap_is_refused()
    {
        var header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, Idx.LabelsMagic);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), int.MaxValue);
        OneLineNaming(ReadLabelsFails(header, "big"), "big", "more than the 536,870,912 this program reads");
    }

    sealed class CountingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public long Pulled { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) { var n = base.Read(buffer, offset, count); Pulled += n; return n; }
        public override int Read(Span<byte> buffer) { var n = base.Read(buffer); Pulled += n; return n; }
    }

    // The given bytes, then zeros forever (as /dev/zero appended to a file would read).
    sealed class EndlessAfter(byte[] start) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            for (var i = 0; i < buffer.Length; i++, _position++) buffer[i] = _position < start.Length ? start[_position] : (byte)0;
            return buffer.Length;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Count_mismatch_names_both_files()
    {
        var e = Assert.Throws<InvalidDataException>(
            () => Idx.Check(SampleImages(count: 3), SampleLabels(2), "imgs.gz", "labs.gz"));
        Assert.Equal("imgs.gz has 3 images but labs.gz has 2 labels; they must match one to one", e.Message);
    }

    [Fact]
    public void Label_out_of_range_is_rejected()
    {
        byte[] bytes = Idx.WriteLabels(SampleLabels(5));
        bytes[8 + 3] = 10;
        OneLineNaming(ReadLabelsFails(bytes, "l"), "l", "label 10 at index 3 is outside 0..9");
        Assert.Throws<ArgumentException>(() => new IdxLabels([0, 255]));
    }

    [Theory]
    [InlineData(0, 28)]
    [InlineData(28, 0)]
    [InlineData(-1, 28)]
    public void Non_positive_rows_or_cols_are_rejected(int rows, int cols)
    {
        byte[] bytes = Idx.WriteImages(SampleImages(count: 0));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        OneLineNaming(ReadImagesFails(bytes, "z"), "z", $"images of {rows}x{cols}");
    }

    [Fact]
    public void Negative_count_is_rejected()
    {
        byte[] bytes = Idx.WriteLabels(SampleLabels(0));
        bytes[4] = 0x80;
        OneLineNaming(ReadLabelsFails(bytes, "n"), "n", "negative label count");
    }

    [Fact]
    public void Corrupt_gzip_is_rejected()
    {
        byte[] gz = Gzip(Idx.WriteLabels(SampleLabels(100)));
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        var e = ReadLabelsFails(gz, "c.gz");
        Assert.StartsWith("c.gz: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    // ---- The committed sample in data/mnist-sample -------------------------------------------------

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Functional.sln not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Committed_sample_matches_its_readme()
    {
        string dir = Path.Combine(RepoRoot(), "data", "mnist-sample");

        // Split table rows in the README: | digit | total | train | test |
        var table = File.ReadAllLines(Path.Combine(dir, "README.md"))
            .Select(l => Regex.Match(l, @"^\| (\d) \| (\d+) \| (\d+) \| (\d+) \|$"))
            .Where(m => m.Success)
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => (Train: int.Parse(m.Groups[3].Value), Test: int.Parse(m.Groups[4].Value)));
        Assert.Equal(Enumerable.Range(0, 10), table.Keys.Order());

        foreach (var (prefix, total, expected) in new[] { ("train", 8000, table.ToDictionary(kv => kv.Key, kv => kv.Value.Train)),
                                                          ("t10k", 2000, table.ToDictionary(kv => kv.Key, kv => kv.Value.Test)) })
        {
            string imagesName = $"{prefix}-images-idx3-ubyte.gz", labelsName = $"{prefix}-labels-idx1-ubyte.gz";
            IdxImages images;
            IdxLabels labels;
            using (var s = File.OpenRead(Path.Combine(dir, imagesName))) images = Idx.ReadImages(s, imagesName);
            using (var s = File.OpenRead(Path.Combine(dir, labelsName))) labels = Idx.ReadLabels(s, labelsName);
            Idx.Check(images, labels, imagesName, labelsName);

            Assert.Equal((total, 28, 28), (images.Count, images.Rows, images.Cols));
            var counts = labels.Labels.GroupBy(l => (int)l).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(expected.OrderBy(kv => kv.Key), counts.OrderBy(kv => kv.Key));
            Assert.Contains(images.Pixels, p => p != 0);
            Assert.Contains(images.Pixels, p => p == 255);
        }
    }
}
