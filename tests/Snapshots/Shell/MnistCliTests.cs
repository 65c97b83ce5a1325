using Functional.Tests.Shared;
using System.IO.Compression;
using Functional.Model;
using Functional.Shell;
using Functional.Formats;
using Functional.Training.Checkpoints;
using Functional.Training.Data;
using Functional.Training.Exercises;
using SkiaSharp;
using static TorchSharp.torch;
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
    public async Task A_data_file_that_is_a_FIFO_is_refused_at_once_instead_of_blocking()
    {
        var dir = WriteData(spoil: files => files.Remove("t10k-labels-idx1-ubyte"));
        var fifo = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var run = Task.Run(() => Run("mnist", "--data", dir, "--quiet")); // a blocked open must not hang the test host
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == run, "mnist blocked on the FIFO");
        var (code, stdout, stderr) = await run;
        Assert.Equal(2, code);
        Assert.Contains("is a FIFO (named pipe), not a regular file", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("epoch", stdout);
    }

    [Fact]
    public async Task Without_data_it_uses_the_shipped_sample_and_says_so()
    {
        var (code, stdout, stderr) = await Run("mnist", "--limit", "200", "--epochs", "1");
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
        foreach (var f in new[] { "log.jsonl", "metrics.csv", "confusion.png", "test-digits.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var checkpoint = ResumeTests.NewestCheckpoint(outDir);
        Assert.Empty(Directory.GetFiles(outDir, ".*"));
        Assert.Contains("test digit 3 (true label 3):", stdout);
        Assert.Contains("prediction 3   top 3: 3 ", stdout);

        var model = ModelCheckpoint.Deserialize(File.ReadAllBytes(Path.Combine(checkpoint, "model.safetensors")), "m");
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
        // The run folder, its checkpoint folder and its model file name the same network.
        foreach (var named in new[] { outDir, checkpoint, Path.Combine(checkpoint, "model.safetensors") })
        {
            (code, stdout, stderr) = await Run("mnist", "predict", png, "--model", named);
            Assert.True(code == 0, stderr);
        }
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

    /// <summary>A PNG of a drawn 7 (black on white, 64x64), the kind of file predict reads.</summary>
    private static byte[] SevenImage(SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var surface = SKSurface.Create(new SKImageInfo(64, 64));
        surface.Canvas.Clear(SKColors.White);
        using var pen = new SKPaint { Color = SKColors.Black, StrokeWidth = 6, Style = SKPaintStyle.Stroke, IsAntialias = true };
        surface.Canvas.DrawLine(14, 12, 50, 12, pen);
        surface.Canvas.DrawLine(50, 12, 28, 54, pen);
        using var image = surface.Snapshot();
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>A PNG whose header claims <paramref name="width"/> x <paramref name="height"/> greyscale pixels, with a little image data.</summary>
    private static byte[] PngClaiming(int width, int height)
    {
        static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
        static uint Crc(IEnumerable<byte> bytes)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in bytes)
            {
                crc ^= b;
                for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
            return ~crc;
        }
        static byte[] Chunk(string type, byte[] data) =>
            [.. BigEndian((uint)data.Length), .. System.Text.Encoding.ASCII.GetBytes(type), .. data,
             .. BigEndian(Crc([.. System.Text.Encoding.ASCII.GetBytes(type), .. data]))];
        var zlib = new MemoryStream();
        using (var z = new ZLibStream(zlib, CompressionLevel.Fastest, leaveOpen: true)) z.Write(new byte[1000]);
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A,
                .. Chunk("IHDR", [.. BigEndian((uint)width), .. BigEndian((uint)height), 8, 0, 0, 0, 0]),
                .. Chunk("IDAT", zlib.ToArray()), .. Chunk("IEND", [])];
    }

    /// <summary>Writes a model file: an MNIST classifier (784-16-10) whose parameters may be spoilt.</summary>
    private string MnistModel(string name, Func<string, Tensor, Tensor>? spoil = null)
    {
        var spec = Mnist.Spec([16]);
        using var p = Init.Initialize(spec, Rng.Seed(1)).Value;
        using var spoilt = new Params(p.Names, p.Items.Select(x => spoil?.Invoke(x.Name, x.Value) ?? x.Value.clone()));
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, ModelCheckpoint.Serialize(spec, spoilt));
        return path;
    }

    private string Fifo(string name)
    {
        var path = Path.Combine(_dir, name);
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    public static TheoryData<string, string> BadPredictInputs => new()
    {
        { "truncated PNG", "seven.png: truncated or corrupt PNG" },
        { "PNG without its IEND", "seven.png: truncated or corrupt PNG (it does not end with its IEND chunk)" },
        { "PNG with damaged data", "seven.png: truncated or corrupt PNG image (decoding failed: " },
        { "truncated JPEG", "seven.jpg: truncated or corrupt JPEG image (its data ends early)" },
        { "huge PNG header", "huge.png: 100000x100000 pixels, more than the 50 megapixels this program decodes" },
        { "not an image", "text.png: not an image this program can decode (PNG, JPEG, BMP, GIF, WebP)" },
        { "empty image file", "empty.png: is empty" },
        { "blank image", "blank.png: no digit found: the image is blank" },
        { "folder as image", "folder.png: is a folder, expected a file" },
        { "FIFO as image", "fifo.png: is a FIFO (named pipe), not a regular file" },
        { "/dev/zero as image", "/dev/zero: is a character device, not a regular file" },
        { "/dev/zero as model", "error: --model /dev/zero: is a character device, not a regular file" },
        { "FIFO as model", "fifo.safetensors: is a FIFO (named pipe), not a regular file" },
        { "folder as model", "model: is a folder, neither a run folder nor a checkpoint folder" },
        { "NaN in the model", "nan.safetensors: parameter 'fc2.bias' holds 10 NaN and 0 infinite values of 10; a model that is not finite cannot predict" },
        { "infinity in the model", "inf.safetensors: parameter 'fc1.weight' holds 0 NaN and 2 infinite values of 12544; a model that is not finite cannot predict" },
    };

    [Theory]
    [MemberData(nameof(BadPredictInputs))]
    public async Task Predict_refuses_bad_input_with_exit_2_and_one_line_naming_the_problem(string how, string message)
    {
        var seven = SevenImage();
        var good = MnistModel("good.safetensors");
        string Write(string name, byte[] bytes)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }
        var (image, model) = how switch
        {
            "truncated PNG" => (Write("seven.png", seven[..(seven.Length / 2)]), good),
            "PNG without its IEND" => (Write("seven.png", seven[..^12]), good),
            "PNG with damaged data" => (Write("seven.png", [.. seven.Select((b, i) => i >= seven.Length / 2 && i < seven.Length / 2 + 16 ? (byte)(b ^ 0x55) : b)]), good),
            "truncated JPEG" => (Write("seven.jpg", SevenImage(SKEncodedImageFormat.Jpeg) is var j ? j[..(j.Length / 2)] : []), good),
            "huge PNG header" => (Write("huge.png", PngClaiming(100_000, 100_000)), good),
            "not an image" => (Write("text.png", "not an image\n"u8.ToArray()), good),
            "empty image file" => (Write("empty.png", []), good),
            "blank image" => (Write("blank.png", BlankPng()), good),
            "folder as image" => (Directory.CreateDirectory(Path.Combine(_dir, "folder.png")).FullName, good),
            "FIFO as image" => (Fifo("fifo.png"), good),
            "/dev/zero as image" => ("/dev/zero", good),
            "/dev/zero as model" => (Write("seven.png", seven), "/dev/zero"),
            "FIFO as model" => (Write("seven.png", seven), Fifo("fifo.safetensors")),
            "folder as model" => (Write("seven.png", seven), Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName),
            "NaN in the model" => (Write("seven.png", seven), MnistModel("nan.safetensors", (n, t) => n == "fc2.bias" ? full_like(t, double.NaN) : t.clone())),
            "infinity in the model" => (Write("seven.png", seven), MnistModel("inf.safetensors", (n, t) =>
            {
                if (n != "fc1.weight") return t.clone();
                var values = t.data<float>().ToArray();
                (values[3], values[1000]) = (float.PositiveInfinity, float.NegativeInfinity);
                return tensor(values, t.shape);
            })),
            _ => throw new ArgumentException(how),
        };
        // A FIFO or a device must be refused without being opened (a read would block or never end): run on another
        // thread, so a blocked read fails the test instead of hanging it.
        var (code, stdout, stderr) = await Task.Run(() => Run("mnist", "predict", image, "--model", model)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        var lines = stderr.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(message, lines[0]);
        Assert.DoesNotContain("   at ", stderr + stdout);
        Assert.DoesNotContain("prediction", stdout);
    }

    private static byte[] BlankPng()
    {
        using var bitmap = new SKBitmap(40, 30);
        bitmap.Erase(new SKColor(200, 200, 200));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Theory]
    [InlineData("--show", "20", "--show must be between 0 and 19 (the test set has 20 digits), got 20")]
    [InlineData("--hidden", "64,x", "--hidden must be whole numbers separated by commas (e.g. 64,64,64), got '64,x'")]
    [InlineData("--limit", "61", "--limit must be at most the 60 training images, got 61")]
    [InlineData("--batch-size", "0", "--batch-size must be positive, got 0")]
    public async Task Bad_options_are_one_line_and_exit_2(string option, string value, string message)
    {
        var (code, _, stderr) = await Run("mnist", "--data", WriteData(), option, value, "--quiet");
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }
}
