using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Functional.Training.Exercises;
using SkiaSharp;
using Spectre.Console;

namespace Functional.Shell.Rendering;

/// <summary>What the MNIST command shows: text-art digits, the confusion table, and the PNGs (drawn with SkiaSharp).</summary>
internal static class MnistRender
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const string Ramp = " .:-=+*#%@";

    /// <summary>A 28x28 image (values in [0, 1]) as 28 lines of text, two characters per pixel.</summary>
    public static IEnumerable<string> TextArt(float[] pixels)
    {
        for (var r = 0; r < Mnist.Side; r++)
        {
            var line = new StringBuilder(2 * Mnist.Side);
            for (var c = 0; c < Mnist.Side; c++)
            {
                var v = Math.Clamp(pixels[r * Mnist.Side + c], 0f, 1f);
                var ch = Ramp[(int)Math.Round(v * (Ramp.Length - 1))];
                line.Append(ch).Append(ch);
            }
            yield return line.ToString().TrimEnd();
        }
    }

    /// <summary>The prediction and its top-3 probabilities, as one line.</summary>
    public static string Describe(Prediction p) =>
        $"prediction {p.Label}   top 3: " + string.Join("   ", p.Top(3).Select(t => string.Format(Inv, "{0} {1:P1}", t.Label, t.Probability)));

    /// <summary>The confusion matrix with per-class accuracy, as a Spectre table written to <paramref name="stdout"/>.</summary>
    public static void ConfusionTable(TextWriter stdout, int[,] m)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 120;
        var k = m.GetLength(0);
        var table = new Table().Border(TableBorder.Rounded).Title("confusion matrix (rows: true digit, columns: predicted)");
        table.AddColumn(new TableColumn("true").RightAligned());
        for (var p = 0; p < k; p++) table.AddColumn(new TableColumn(p.ToString(Inv)).RightAligned());
        table.AddColumn(new TableColumn("n").RightAligned());
        table.AddColumn(new TableColumn("accuracy").RightAligned());
        for (var t = 0; t < k; t++)
        {
            var cells = new List<string> { $"[bold]{t}[/]" };
            var n = 0;
            for (var p = 0; p < k; p++)
            {
                n += m[t, p];
                cells.Add(m[t, p] == 0 ? "[grey]·[/]" : t == p ? $"[green]{m[t, p]}[/]" : $"[red]{m[t, p]}[/]");
            }
            cells.Add(n.ToString(Inv));
            cells.Add(n == 0 ? "–" : ((double)m[t, t] / n).ToString("P1", Inv));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
    }

    /// <summary>The confusion matrix as a PNG: cells shaded by the share of their true class, counts written in, per-class accuracy at the right.</summary>
    public static void ConfusionPng(string path, int[,] m, string title, string run)
    {
        const int cell = 56, left = 90, top = 110, k = Mnist.Classes;
        int width = left + k * cell + 130, height = top + k * cell + 40;
        Save(path, width, height, canvas =>
        {
            using var font = Font(15);
            using var small = Font(13);
            using var bold = Font(17, bold: true);
            using var ink = Paint(SKColors.Black);
            canvas.DrawText(title, width / 2f, 30, SKTextAlign.Center, bold, ink);
            canvas.DrawText(run, width / 2f, 52, SKTextAlign.Center, small, ink);
            canvas.DrawText("predicted digit", left + k * cell / 2f, 82, SKTextAlign.Center, font, ink);
            canvas.Save();
            canvas.RotateDegrees(-90, 22, top + k * cell / 2f);
            canvas.DrawText("true digit", 22, top + k * cell / 2f, SKTextAlign.Center, font, ink);
            canvas.Restore();
            canvas.DrawText("accuracy", left + k * cell + 65, 102, SKTextAlign.Center, font, ink);
            for (var t = 0; t < k; t++)
            {
                var n = Enumerable.Range(0, k).Sum(p => m[t, p]);
                canvas.DrawText(t.ToString(Inv), left - 14, top + t * cell + cell / 2f + 5, SKTextAlign.Center, font, ink);
                canvas.DrawText(t.ToString(Inv), left + t * cell + cell / 2f, top - 8, SKTextAlign.Center, font, ink);
                for (var p = 0; p < k; p++)
                {
                    var share = n == 0 ? 0 : (double)m[t, p] / n;
                    var color = t == p ? Blend(new SKColor(255, 255, 255), new SKColor(33, 113, 181), share)
                                       : Blend(new SKColor(255, 255, 255), new SKColor(203, 24, 29), Math.Min(1, share * 5));
                    using var fill = Paint(color);
                    canvas.DrawRect(left + p * cell, top + t * cell, cell, cell, fill);
                    if (m[t, p] > 0)
                    {
                        using var text = Paint(share > 0.5 ? SKColors.White : SKColors.Black);
                        canvas.DrawText(m[t, p].ToString(Inv), left + p * cell + cell / 2f, top + t * cell + cell / 2f + 5, SKTextAlign.Center, small, text);
                    }
                }
                var acc = n == 0 ? "–" : ((double)m[t, t] / n).ToString("P1", Inv);
                canvas.DrawText(acc, left + k * cell + 65, top + t * cell + cell / 2f + 5, SKTextAlign.Center, font, ink);
            }
            using var grid = Paint(new SKColor(190, 190, 190), stroke: 1);
            for (var i = 0; i <= k; i++)
            {
                canvas.DrawLine(left, top + i * cell, left + k * cell, top + i * cell, grid);
                canvas.DrawLine(left + i * cell, top, left + i * cell, top + k * cell, grid);
            }
        });
    }

    /// <summary>
    /// A grid of test digits, each with "predicted / true" below it; mistakes in red with a red frame.
    /// <paramref name="indices"/> picks the test images shown, in order.
    /// </summary>
    public static void DigitGridPng(string path, float[] testPixels, int[] truth, Prediction[] predictions, IReadOnlyList<int> indices, string title, string run)
    {
        const int scale = 3, img = Mnist.Side * scale, cellW = img + 16, cellH = img + 30, columns = 10, top = 70, margin = 10;
        var rows = (indices.Count + columns - 1) / columns;
        int width = 2 * margin + columns * cellW, height = top + rows * cellH + margin;
        Save(path, width, height, canvas =>
        {
            using var font = Font(13);
            using var bold = Font(16, bold: true);
            using var ink = Paint(SKColors.Black);
            using var red = Paint(new SKColor(210, 30, 30));
            using var green = Paint(new SKColor(20, 120, 40));
            using var frame = Paint(new SKColor(210, 30, 30), stroke: 3);
            canvas.DrawText(title, width / 2f, 30, SKTextAlign.Center, bold, ink);
            canvas.DrawText(run, width / 2f, 52, SKTextAlign.Center, font, ink);
            for (var j = 0; j < indices.Count; j++)
            {
                var i = indices[j];
                float x = margin + j % columns * cellW + 8, y = top + j / columns * cellH;
                for (var r = 0; r < Mnist.Side; r++)
                    for (var c = 0; c < Mnist.Side; c++)
                    {
                        var v = (byte)Math.Round(255 * Math.Clamp(testPixels[i * Mnist.Pixels + r * Mnist.Side + c], 0f, 1f));
                        using var px = Paint(new SKColor(v, v, v));
                        canvas.DrawRect(x + c * scale, y + r * scale, scale, scale, px);
                    }
                var wrong = predictions[i].Label != truth[i];
                if (wrong) canvas.DrawRect(x - 2, y - 2, img + 4, img + 4, frame);
                canvas.DrawText($"#{i}: {predictions[i].Label} / {truth[i]}", x + img / 2f, y + img + 18, SKTextAlign.Center, font, wrong ? red : green);
            }
        });
    }

    /// <summary>Most pixels (width x height) an image may have; read from the file's header before anything is decoded.</summary>
    public const long MaxImagePixels = 50_000_000;

    /// <summary>
    /// Decodes an image file to greyscale in [0, 1] (transparent parts composited over white), row-major. Refused in one
    /// line: a path that is not a regular file, a file that is not an image, more than <see cref="MaxImagePixels"/>, and a
    /// truncated or corrupt image (every pixel must decode, and a PNG must end with its IEND chunk).
    /// </summary>
    public static (float[] Gray, int Width, int Height) ReadGray(string path)
    {
        var length = InputFile.RequireRegular(path);
        using var codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"{path}: not an image this program can decode (PNG, JPEG, BMP, GIF, WebP)");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > MaxImagePixels)
            throw new InvalidDataException($"{path}: {width}x{height} pixels, more than the {MaxImagePixels / 1_000_000} megapixels this program decodes");
        if (codec.EncodedFormat == SKEncodedImageFormat.Png && !EndsWithIend(path, length))
            throw new InvalidDataException($"{path}: truncated or corrupt PNG (it does not end with its IEND chunk)");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize64];
        var pin = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult decoded;
        try { decoded = codec.GetPixels(info, pin.AddrOfPinnedObject()); }
        finally { pin.Free(); }
        if (decoded != SKCodecResult.Success)
            throw new InvalidDataException($"{path}: truncated or corrupt {codec.EncodedFormat.ToString().ToUpperInvariant()} image ("
                                           + (decoded == SKCodecResult.IncompleteInput ? "its data ends early)" : $"decoding failed: {decoded})"));
        var gray = new float[width * height];
        for (var i = 0; i < gray.Length; i++)
        {
            double a = rgba[4 * i + 3] / 255.0, lum = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255.0;
            gray[i] = (float)(a * lum + (1 - a));
        }
        return (gray, width, height);
    }

    // A complete PNG's last 12 bytes are its IEND chunk: length 0, "IEND", CRC ae 42 60 82.
    private static bool EndsWithIend(string path, long length)
    {
        ReadOnlySpan<byte> iend = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];
        if (length < iend.Length) return false;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Seek(-iend.Length, SeekOrigin.End);
        var tail = new byte[iend.Length];
        stream.ReadExactly(tail);
        return iend.SequenceEqual(tail);
    }

    /// <summary>One line saying what <see cref="DigitPreprocessing.Prepare"/> did, e.g. "preprocessed: inverted, ink box 140x180 → 16x20, centred by mass".</summary>
    public static string DescribePreprocessing(PreparedDigit d)
    {
        var steps = new List<string>();
        if (d.Inverted) steps.Add("inverted");
        if (d.Background > 0.02f || d.Ink < 0.98f) steps.Add(string.Format(Inv, "levels {0:F2}..{1:F2} stretched to 0..1", d.Background, d.Ink));
        if (d.Thickened is { } t) steps.Add(string.Format(Inv, "thin strokes thickened ({0:0.0##} → {1:0.0} px)", d.StrokeWidth, t));
        steps.Add($"ink box {d.InkWidth}x{d.InkHeight} → {d.BoxWidth}x{d.BoxHeight}");
        steps.Add(d.Clamped ? "centred by mass as far as the 28x28 field allows" : "centred by mass");
        return "preprocessed: " + string.Join(", ", steps);
    }

    private static void Save(string path, int width, int height, Action<SKCanvas> draw)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height)) ?? throw new InvalidOperationException("SkiaSharp could not create a surface");
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp.png");
        try
        {
            File.WriteAllBytes(temp, data.ToArray());
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static SKFont Font(float size, bool bold = false) =>
        new(SKTypeface.FromFamilyName("DejaVu Sans", bold ? SKFontStyle.Bold : SKFontStyle.Normal) ?? SKTypeface.Default, size);

    private static SKPaint Paint(SKColor color, float stroke = 0) => new()
    {
        Color = color,
        IsAntialias = stroke > 0,
        Style = stroke > 0 ? SKPaintStyle.Stroke : SKPaintStyle.Fill,
        StrokeWidth = stroke,
    };

    private static SKColor Blend(SKColor a, SKColor b, double t)
    {
        t = Math.Clamp(t, 0, 1);
        return new SKColor((byte)(a.Red + (b.Red - a.Red) * t), (byte)(a.Green + (b.Green - a.Green) * t), (byte)(a.Blue + (b.Blue - a.Blue) * t));
    }
}
