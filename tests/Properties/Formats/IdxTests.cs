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
