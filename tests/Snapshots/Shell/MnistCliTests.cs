using Functional.Tests.Shared;
using System.IO.Compression;
using Functional.Model;
using Functional.Shell;
using Functional.Training.Checkpoints;
using Functional.Training.Data;
using Functional.Training.Exercises;
using SkiaSharp;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary><c>mnist</c> through the shell's real entry point: data folders plain and gzipped, bad files, outputs, predict.</summary>
public sealed class MnistCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnist-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Tiny synthetic IDX files: class c lights up rows 3c..3c+2; learnable in one epoch.</summary>
    private static (byte[] Images, byte[] Labels) Files(int count, int seed)
    {
        var (images, labels) = SyntheticDigits.Make(count, seed);
        return (Idx.WriteImages(images), Idx.WriteLabels(labels));
    }

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    private string WriteData(bool gzip = false, Action<Dictionary<string, byte[]>>? spoil = null)
    {
        var (ti, tl) = Files(60, 1);
        var (vi, vl) = Files(20, 2);
        var files = new Dictionary<string, byte[]>
        {
            ["train-images-idx3-ubyte"] = ti, ["train-labels-idx1-ubyte"] = tl,
            ["t10k-images-idx3-ubyte"] = vi, ["t10k-labels-idx1-ubyte"] = vl,
        };
        spoil?.Invoke(files);
        var dir = Directory.CreateDirectory(Path.Combine(_dir, gzip ? "gz" : "plain")).FullName;
        foreach (var (name, bytes) in files)
            File.WriteAllBytes(Path.Combine(dir, gzip ? name + ".gz" : name), gzip ? Gzip(bytes) : bytes);
        return dir;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Trains_on_the_four_standard_files_plain_or_gzipped(bool gzip)
    {
        var (code, stdout, stderr) = await Run("mnist", "--data", WriteData(gzip), "--epochs", "3", "--lr", "0.01", "--hidden", "16", "--quiet");
        Assert.True(code == 0, stderr);
        Assert.Contains("test accuracy 1.0000 (20/20 correct)", stdout);
        Assert.Contains("confusion matrix", stdout);
        Assert.DoesNotContain("shipped sample", stdout);
    }

    public static TheoryData<string, string, string> Spoilt => new()
    {
        { "wrong magic", "train-labels-idx1-ubyte", "train-labels-idx1-ubyte: magic number is 0x00000803 (that is an IDX images file), expected 0x00000801 for IDX labels" },
        { "truncated", "t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte: expected 20 images of 28x28 but the file ends after 19 images and 400 bytes of the next" },
        { "count mismatch", "t10k-labels-idx1-ubyte", "t10k-images-idx3-ubyte has 20 images but t10k-labels-idx1-ubyte has 19 labels; they must match one to one" },
        { "missing", "train-images-idx3-ubyte", "train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) not found" },
        { "not gzip", "train-images-idx3-ubyte", "train-images-idx3-ubyte: starts like gzip but does not decompress" },
    };

    [Theory]
    [MemberData(nameof(Spoilt))]
    public async Task A_bad_file_is_one_line_naming_it_and_exit_2(string how, string file, string message)
    {
        var dir = WriteData(spoil: files =>
        {
            switch (how)
            {
                case "wrong magic": files[file] = files["train-images-idx3-ubyte"]; break;
                case "truncated": files[file] = files[file][..^384]; break;
                case "count mismatch": files[file] = Files(19, 2).Labels; break;
                case "missing": files.Remove(file); break;
                case "not gzip": files[file] = [0x1F, 0x8B, 1, 2, 3, 4, 5]; break;
            }
        });
        var (code, stdout, stderr) = await Run("mnist", "--data", dir, "--quiet");
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("epoch", stdout);
    }

    [Fact]
    public async Task Without_data_it_uses_the_shipped_sample_and_says_so()
    {
        var (code, stdout, stderr) = await Run("mnist", "--limit", "200", "--epochs", "1", "--quiet");
        Assert.True(code == 0, stderr);
        Assert.Contains("no --data given, using the shipped sample of real MNIST digits (8,000 train / 2,000 test", stdout);
        Assert.Contains("200 training images", stdout);
    }

    [Fact]
    public async Task Out_gets_a_checkpoint_and_pngs_that_predict_and_show_use()
    {
        var data = WriteData();
        var outDir = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = await Run("mnist", "--data", data, "--epochs", "3", "--lr", "0.01", "--hidden", "16", "--out", outDir, "--show", "3", "--quiet");
        Assert.True(code == 0, stderr);
        foreach (var f in new[] { "mnist.safetensors", "confusion.png", "test-digits.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Empty(Directory.GetFiles(outDir, ".*"));
        Assert.Contains("test digit 3 (true label 3):", stdout);
        Assert.Contains("prediction 3   top 3: 3 ", stdout);

        var model = ModelCheckpoint.Deserialize(File.ReadAllBytes(Path.Combine(outDir, "mnist.safetensors")), "m");
        model.Params.Dispose();
        Assert.Equal(Mnist.Spec([16]), model.Spec);

        // A user's digit: class 5 lights rows 15..17; drawn dark on light at 56x56, as a scanned digit would be.
        var png = Path.Combine(_dir, "five.png");
        using (var bitmap = new SKBitmap(56, 56))
        {
            for (var y = 0; y < 56; y++)
                for (var x = 0; x < 56; x++)
                    bitmap.SetPixel(x, y, y / 2 / 3 == 5 ? SKColors.Black : SKColors.White);
            using var file = File.Create(png);
            bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
        }
        (code, stdout, stderr) = await Run("mnist", "predict", png, "--model", Path.Combine(outDir, "mnist.safetensors"));
        Assert.True(code == 0, stderr);
        Assert.Contains("prediction ", stdout);
        Assert.Contains("five.png: 56x56, as the network sees it:", stdout);
        Assert.Contains("preprocessed: inverted, ink box 56x6 → 20x2, centred by mass", stdout);
    }

    [Fact]
    public async Task Predict_refuses_a_checkpoint_of_another_network_in_one_line()
    {
        var spec = new MlpSpec(2, [2], 1, new Activation.Relu(), new Activation.Identity());
        using var p = Init.Initialize(spec, Rng.Seed(1)).Value;
        var ckpt = Path.Combine(_dir, "logic.safetensors");
        File.WriteAllBytes(ckpt, ModelCheckpoint.Serialize(spec, p));
        var png = Path.Combine(_dir, "blank.png");
        using (var bitmap = new SKBitmap(28, 28))
        using (var file = File.Create(png))
            bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
        var (code, _, stderr) = await Run("mnist", "predict", png, "--model", ckpt);
        Assert.Equal(2, code);
        Assert.Equal($"error: {ckpt}: holds a 2-2-1 relu/identity network, not an MNIST classifier (784 inputs, 10 log-softmax outputs)", stderr.TrimEnd());

        File.WriteAllBytes(ckpt, [1, 2, 3]);
        (code, _, stderr) = await Run("mnist", "predict", png, "--model", ckpt);
        Assert.Equal(2, code);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("--show", "20", "--show 20: the test set has 20 digits (0..19)")]
    [InlineData("--hidden", "64,x", "--hidden 64,x: expected positive widths separated by commas")]
    [InlineData("--limit", "61", "--limit 61 exceeds the 60 training images")]
    [InlineData("--batch-size", "0", "--batch-size must be positive, got 0")]
    public async Task Bad_options_are_one_line_and_exit_2(string option, string value, string message)
    {
        var (code, _, stderr) = await Run("mnist", "--data", WriteData(), option, value, "--quiet");
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }
}
