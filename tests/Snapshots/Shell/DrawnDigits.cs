using SkiaSharp;

namespace Functional.Snapshots.Shell;

/// <summary>
/// Digits drawn with SkiaSharp, as a user would draw or scan them: every other one a font glyph (DejaVu Sans, Serif,
/// Mono, bold or light), the rest pen strokes shaped like handwriting; at random sizes (35–85 % of the canvas), positions,
/// stroke widths (a 1-pixel pen to a thick marker), slants and small rotations, dark on light or light on dark, in pure black and white or in the
/// imperfect levels of a scan, on canvases from
/// 28x28 to 500x400. Deterministic for a seed.
/// </summary>
internal static class DrawnDigits
{
    /// <summary>One drawing: its true digit, whether it is pure black and white, how it was drawn (for messages), and the PNG bytes.</summary>
    public sealed record Drawing(int Digit, bool PureLevels, string How, byte[] Png);

    private static readonly (int W, int H)[] Canvases = [(28, 28), (40, 40), (64, 64), (100, 80), (120, 160), (200, 200), (320, 240), (500, 400)];

    private static readonly (string Family, SKFontStyle Style)[] Fonts =
    [
        ("DejaVu Sans", SKFontStyle.Normal), ("DejaVu Sans", SKFontStyle.Bold), ("DejaVu Serif", SKFontStyle.Normal),
        ("DejaVu Sans Mono", SKFontStyle.Normal), ("DejaVu Sans", new SKFontStyle(SKFontStyleWeight.Light, SKFontStyleWidth.Normal, SKFontStyleSlant.Upright)),
    ];

    /// <summary><paramref name="count"/> drawings of the digits 0, 1, …, 9, 0, … in turn.</summary>
    public static IReadOnlyList<Drawing> Make(int count, int seed)
    {
        var random = new Random(seed);
        double U(double lo, double hi) => lo + (hi - lo) * random.NextDouble();
        var drawings = new List<Drawing>(count);
        for (var i = 0; i < count; i++)
        {
            var digit = i % 10;
            var (w, h) = Canvases[random.Next(Canvases.Length)];
            var size = Math.Max(14, U(0.35, 0.85) * Math.Min(w, h));
            var (cx, cy) = ((float)U(0.4 * size, w - 0.4 * size), (float)U(0.55 * size, h - 0.55 * size));
            var darkOnLight = random.Next(2) == 0;
            // Half drawn in pure black and white, half in the imperfect levels of a scan or a photo.
            var pure = random.Next(2) == 0;
            var (background, ink) = (pure, darkOnLight) switch
            {
                (true, true) => (1.0, 0.0),
                (true, false) => (0.0, 1.0),
                (false, true) => (U(0.75, 0.95), U(0.05, 0.3)),
                (false, false) => (U(0.05, 0.25), U(0.7, 0.95)),
            };
            var slant = (float)U(-0.25, 0.15);
            var rotation = (float)U(-8, 8);
            var glyph = i % 2 == 0;
            // Glyphs: the font's own weight, thickened by up to 4 % of the height. Pens: half a thin 1-3 px pen whatever
            // the size (a mouse in a paint program), half a marker of 6-16 % of the height.
            var stroke = (float)(glyph ? size * U(0, 0.04) : random.Next(2) == 0 ? U(1, 3) : size * U(0.06, 0.16));
            var font = Fonts[random.Next(Fonts.Length)];

            var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var surface = SKSurface.Create(info);
            var canvas = surface.Canvas;
            canvas.Clear(Gray(background));
            canvas.Translate(cx, cy);
            canvas.RotateDegrees(rotation);
            canvas.Skew(slant, 0);
            using var paint = new SKPaint
            {
                Color = Gray(ink), IsAntialias = true, StrokeWidth = stroke, StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round,
                Style = glyph ? (stroke > 0.5f ? SKPaintStyle.StrokeAndFill : SKPaintStyle.Fill) : SKPaintStyle.Stroke,
            };
            string how;
            if (glyph)
            {
                using var typeface = SKTypeface.FromFamilyName(font.Family, font.Style) ?? SKTypeface.Default;
                // DejaVu's digits are about 0.73 em tall: size the font so the digit is `size` pixels tall.
                using var skFont = new SKFont(typeface, (float)(size / 0.73));
                var text = digit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                skFont.MeasureText(text, out var bounds, paint);
                canvas.DrawText(text, -bounds.MidX, -bounds.MidY, skFont, paint);
                how = $"glyph {font.Family} {font.Style.Weight}";
            }
            else
            {
                using var path = Strokes(digit);
                // The templates are 0.6 wide and 1 tall around (0.3, 0.5): scale them to the digit's height.
                var m = SKMatrix.CreateScale((float)size, (float)size).PreConcat(SKMatrix.CreateTranslation(-0.3f, -0.5f));
                path.Transform(m);
                canvas.DrawPath(path, paint);
                how = "pen strokes";
            }
            using var image = surface.Snapshot();
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            drawings.Add(new Drawing(digit, pure, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"#{i} {digit}: {how}, {w}x{h}, height {size:F0}, stroke {stroke:F1}, {(darkOnLight ? "dark on light" : "light on dark")} ({(pure ? "pure" : "imperfect")} levels)"), png.ToArray()));
        }
        return drawings;
    }

    private static SKColor Gray(double v)
    {
        var b = (byte)Math.Round(255 * Math.Clamp(v, 0, 1));
        return new SKColor(b, b, b);
    }

    // Each digit as a handwriting-like path in a box 0.6 wide and 1 tall (y down).
    private static SKPath Strokes(int digit)
    {
        var p = new SKPath();
        switch (digit)
        {
            case 0:
                p.AddOval(new SKRect(0.04f, 0.02f, 0.56f, 0.98f));
                break;
            case 1:
                p.MoveTo(0.16f, 0.2f); p.LineTo(0.36f, 0f); p.LineTo(0.34f, 1f);
                break;
            case 2:
                p.MoveTo(0.05f, 0.25f); p.CubicTo(0.08f, -0.06f, 0.6f, -0.06f, 0.54f, 0.3f); p.LineTo(0.04f, 1f); p.LineTo(0.58f, 0.98f);
                break;
            case 3:
                p.MoveTo(0.06f, 0.1f); p.CubicTo(0.3f, -0.06f, 0.62f, 0.06f, 0.52f, 0.27f); p.CubicTo(0.46f, 0.42f, 0.3f, 0.46f, 0.22f, 0.47f);
                p.CubicTo(0.66f, 0.48f, 0.66f, 1.02f, 0.3f, 1f); p.CubicTo(0.18f, 1f, 0.08f, 0.96f, 0.03f, 0.88f);
                break;
            case 4:
                p.MoveTo(0.36f, 0f); p.LineTo(0.02f, 0.66f); p.LineTo(0.58f, 0.66f); p.MoveTo(0.44f, 0.32f); p.LineTo(0.44f, 1f);
                break;
            case 5:
                p.MoveTo(0.56f, 0f); p.LineTo(0.1f, 0f); p.LineTo(0.07f, 0.44f); p.CubicTo(0.32f, 0.33f, 0.62f, 0.44f, 0.58f, 0.7f);
                p.CubicTo(0.54f, 1.02f, 0.18f, 1.04f, 0.03f, 0.88f);
                break;
            case 6:
                p.MoveTo(0.5f, 0.02f); p.CubicTo(0.2f, 0.1f, 0.02f, 0.4f, 0.05f, 0.72f);
                p.AddOval(new SKRect(0.05f, 0.46f, 0.56f, 0.99f));
                break;
            case 7:
                p.MoveTo(0.02f, 0.02f); p.LineTo(0.58f, 0f); p.LineTo(0.22f, 1f);
                break;
            case 8:
                p.AddOval(new SKRect(0.08f, 0.01f, 0.52f, 0.48f));
                p.AddOval(new SKRect(0.03f, 0.46f, 0.57f, 0.99f));
                break;
            default:
                p.AddOval(new SKRect(0.04f, 0.01f, 0.56f, 0.54f)); p.MoveTo(0.56f, 0.28f); p.LineTo(0.5f, 1f);
                break;
        }
        return p;
    }
}
