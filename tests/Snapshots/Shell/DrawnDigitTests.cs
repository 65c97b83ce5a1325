using System.Globalization;
using System.Text.RegularExpressions;
using Functional.Shell.Commands;
using Functional.Shell.Rendering;
using Functional.Training.Checkpoints;
using Functional.Training.Exercises;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Functional.Snapshots.Shell;

/// <summary>A network trained once for the drawn-digit tests: one epoch of the tutorial's defaults on the shipped sample, through the real command.</summary>
public sealed class SampleModel : IDisposable
{
    public string Dir { get; } = ShellRunner.TempDir();
    public string Path => System.IO.Path.Combine(ResumeTests.NewestCheckpoint(Dir), "model.safetensors");
    public LoadedModel Model { get; }

    public SampleModel()
    {
        var r = ShellRunner.Run("mnist", "--epochs", "1", "--out", Dir, "--quiet");
        if (r.ExitCode != 0) throw new InvalidOperationException(r.Stderr);
        Model = ModelCheckpoint.Deserialize(File.ReadAllBytes(Path), Path);
    }

    public void Dispose()
    {
        Model.Params.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>
/// <c>mnist predict</c> on 100 digits drawn in the test (<see cref="DrawnDigits"/>), classified by a network trained in
/// the test: the real command's accuracy, against the same drawings read by the preprocessing used before #15
/// (box-centred, levels as they are, 28x28 images used as they are), which it must beat by a wide margin.
/// </summary>
public sealed class DrawnDigitTests(SampleModel sample, ITestOutputHelper output) : IClassFixture<SampleModel>
{
    // Measured here (2 cores, other sessions running; the numbers do not depend on load): 89/100 after, 41/100 before
    // (training seed 1, drawing seed 15). Over training seeds 1-3 and drawing seeds 15-17, after ranged 73-92 and the gain
    // 37-57 points; the misreads left are mostly font glyphs of 4, 6 and 8, unlike handwriting. The bounds keep that
    // margin, for other CPUs' last-bit differences in training.
    private const double Floor = 0.70;
    private const double Gain = 0.30;

    private static readonly IReadOnlyList<DrawnDigits.Drawing> Drawings = DrawnDigits.Make(100, seed: 15);

    [Fact]
    public void Predict_reads_drawn_digits_far_better_than_before()
    {
        var dir = ShellRunner.TempDir();
        try
        {
            var files = Drawings.Select((d, i) => System.IO.Path.Combine(dir, $"{i}-{d.Digit}.png")).ToArray();
            for (var i = 0; i < files.Length; i++) File.WriteAllBytes(files[i], Drawings[i].Png);

            var command = files.Select(f =>
            {
                var r = ShellRunner.Run("mnist", "predict", f, "--model", sample.Path);
                Assert.True(r.ExitCode == 0, r.Stderr);
                Assert.Single(r.Stdout.Split('\n'), l => l.StartsWith("preprocessed: ", StringComparison.Ordinal));
                return int.Parse(Regex.Match(r.Stdout, @"^prediction (\d) ", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
            }).ToArray();
            var after = Classify(files, (g, w, h) => DigitPreprocessing.Prepare(g, w, h).Pixels);
            Assert.Equal(after, command); // the command is exactly decode → DigitPreprocessing → network
            var before = Classify(files, BeforeIssue15.Prepare);

            var (a, b) = (Report("after (MNIST's preprocessing, the command)", after), Report("before (box-centred)", before));
            Assert.True(a >= Floor, $"drawn digits read correctly: {a:P0}, expected at least {Floor:P0}");
            Assert.True(a - b >= Gain, $"after {a:P0} vs before {b:P0}: expected a gain of at least {Gain:P0}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Mnist_test_digits_are_read_as_well_after_preprocessing()
    {
        using var data = MnistFiles.Load(MnistFiles.SampleDir, "sample");
        using var inputs = Mnist.ToInputs(data.TestPixels);
        var raw = inputs.data<float>().ToArray();
        var n = (int)data.TestCount;
        var prepared = Enumerable.Range(0, n).SelectMany(i => DigitPreprocessing.Prepare(raw[(i * Mnist.Pixels)..((i + 1) * Mnist.Pixels)], Mnist.Side, Mnist.Side).Pixels).ToArray();
        var truth = data.TestLabels.data<long>().ToArray();
        using var scope = NewDisposeScope();
        double Accuracy(float[] x) =>
            (double)Mnist.Predict(sample.Model.Spec, sample.Model.Params, tensor(x, [n, Mnist.Pixels])).Where((p, i) => p.Label == truth[i]).Count() / n;
        var (before, after) = (Accuracy(raw), Accuracy(prepared));
        output.WriteLine($"sample test digits: {before:P2} as they are, {after:P2} preprocessed");
        // Measured: 90.60 % as they are, 90.65 % preprocessed: the digits were made this way, so doing it again changes little.
        Assert.InRange(after - before, -0.01, 0.01);
    }

    // The network's labels for the files, each decoded as the command decodes it and prepared by `prepare`.
    private int[] Classify(string[] files, Func<float[], int, int, float[]> prepare)
    {
        var inputs = files.SelectMany(f =>
        {
            var (gray, w, h) = MnistRender.ReadGray(f);
            return prepare(gray, w, h);
        }).ToArray();
        using var scope = NewDisposeScope();
        return [.. Mnist.Predict(sample.Model.Spec, sample.Model.Params, tensor(inputs, [files.Length, Mnist.Pixels])).Select(p => p.Label)];
    }

    // Prints the accuracy (overall, pure and imperfect levels) and the misread drawings; returns the accuracy.
    private double Report(string name, int[] labels)
    {
        string Share(Func<DrawnDigits.Drawing, bool> which)
        {
            var ids = Enumerable.Range(0, Drawings.Count).Where(i => which(Drawings[i])).ToList();
            return $"{ids.Count(i => labels[i] == Drawings[i].Digit)}/{ids.Count}";
        }
        output.WriteLine($"{name}: {Share(_ => true)} correct ({Share(d => d.PureLevels)} in pure black and white, {Share(d => !d.PureLevels)} in imperfect levels)");
        foreach (var i in Enumerable.Range(0, Drawings.Count).Where(i => labels[i] != Drawings[i].Digit))
            output.WriteLine($"  {Drawings[i].How} → {labels[i]}");
        return (double)Enumerable.Range(0, Drawings.Count).Count(i => labels[i] == Drawings[i].Digit) / Drawings.Count;
    }
}

/// <summary>The preprocessing of <c>mnist predict</c> before #15, kept as the baseline the current one is measured against.</summary>
internal static class BeforeIssue15
{
    public static float[] Prepare(float[] gray, int width, int height)
    {
        if (width <= 0 || height <= 0 || gray.Length != (long)width * height)
            throw new ArgumentException($"expected {width}x{height} pixels, got {gray.Length}");
        var invert = BorderMean(gray, width, height) > 0.5;
        var ink = gray.Select(v => Math.Clamp(invert ? 1 - v : v, 0f, 1f)).ToArray();
        var values = width == Mnist.Side && height == Mnist.Side ? ink : FitDigit(ink, width, height);
        return values;
    }

    /// <summary>Mean brightness of the outermost ring of pixels.</summary>
    public static double BorderMean(float[] gray, int width, int height)
    {
        double sum = 0;
        var count = 0;
        for (var r = 0; r < height; r++)
            for (var c = 0; c < width; c++)
                if (r == 0 || c == 0 || r == height - 1 || c == width - 1)
                {
                    sum += gray[r * width + c];
                    count++;
                }
        return sum / count;
    }

    /// <summary>
    /// Resamples a <paramref name="width"/> x <paramref name="height"/> image to <paramref name="size"/> x <paramref name="size"/>
    /// by area averaging (each target pixel is the mean of the source area it covers, fractional pixels weighted).
    /// </summary>
    public static float[] ResizeArea(float[] src, int width, int height, int size)
    {
        var dst = new float[size * size];
        double sx = (double)width / size, sy = (double)height / size;
        for (var ty = 0; ty < size; ty++)
            for (var tx = 0; tx < size; tx++)
            {
                double y0 = ty * sy, y1 = (ty + 1) * sy, x0 = tx * sx, x1 = (tx + 1) * sx, sum = 0, area = 0;
                for (var y = (int)Math.Floor(y0); y < Math.Min(height, (int)Math.Ceiling(y1)); y++)
                {
                    var wy = Math.Min(y + 1, y1) - Math.Max(y, y0);
                    for (var x = (int)Math.Floor(x0); x < Math.Min(width, (int)Math.Ceiling(x1)); x++)
                    {
                        var w = wy * (Math.Min(x + 1, x1) - Math.Max(x, x0));
                        sum += w * src[y * width + x];
                        area += w;
                    }
                }
                dst[ty * size + tx] = area > 0 ? (float)(sum / area) : 0f;
            }
        return dst;
    }

    // MNIST's own preparation: the digit's bounding box scaled to fit 20x20, centred in 28x28.
    private static float[] FitDigit(float[] ink, int width, int height)
    {
        int top = height, bottom = -1, left = width, right = -1;
        for (var r = 0; r < height; r++)
            for (var c = 0; c < width; c++)
                if (ink[r * width + c] > 0.1f)
                {
                    top = Math.Min(top, r); bottom = Math.Max(bottom, r);
                    left = Math.Min(left, c); right = Math.Max(right, c);
                }
        if (bottom < 0) return ResizeArea(ink, width, height, Mnist.Side); // no ink: nothing to centre
        var side = Math.Max(bottom - top + 1, right - left + 1);
        var square = new float[side * side];
        int offR = (side - (bottom - top + 1)) / 2, offC = (side - (right - left + 1)) / 2;
        for (var r = top; r <= bottom; r++)
            for (var c = left; c <= right; c++)
                square[(r - top + offR) * side + (c - left + offC)] = ink[r * width + c];
        var box = ResizeArea(square, side, side, 20);
        var result = new float[Mnist.Pixels];
        for (var r = 0; r < 20; r++)
            for (var c = 0; c < 20; c++)
                result[(r + 4) * Mnist.Side + c + 4] = box[r * 20 + c];
        return result;
    }
}
