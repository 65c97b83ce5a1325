namespace Functional.Training.Exercises;

/// <summary>
/// What <see cref="DigitPreprocessing.Prepare"/> did to one image, and its result.
/// </summary>
/// <param name="Pixels">The 28x28 input, row-major, ink 1 on background 0, values in [0, 1].</param>
/// <param name="Inverted">Whether the ink was darker than the background, so the image was inverted.</param>
/// <param name="Background">The background level that became 0, in the inverted-if-needed image.</param>
/// <param name="Ink">The strongest ink level, which became 1, in the inverted-if-needed image.</param>
/// <param name="InkWidth">Width of the ink's bounding box in the source image, in pixels (after thickening, if any).</param>
/// <param name="InkHeight">Height of the ink's bounding box in the source image (after thickening, if any).</param>
/// <param name="StrokeWidth">The strokes' estimated width once scaled into the box, in pixels (see <see cref="DigitPreprocessing.StrokeWidthOf"/>).</param>
/// <param name="Thickened">The width the strokes were thickened to, in the box's pixels; null when they were thick enough.</param>
/// <param name="BoxWidth">Width of the box after scaling (the longer side of the two is <see cref="DigitPreprocessing.Box"/>).</param>
/// <param name="BoxHeight">Height of the box after scaling.</param>
/// <param name="Left">Column of the scaled box's left edge in the 28x28 field.</param>
/// <param name="Top">Row of the scaled box's top edge in the 28x28 field.</param>
/// <param name="Clamped">True when centring by mass would have pushed ink out of the field, so the box was moved back inside.</param>
public sealed record PreparedDigit(float[] Pixels, bool Inverted, float Background, float Ink, int InkWidth, int InkHeight,
    double StrokeWidth, double? Thickened, int BoxWidth, int BoxHeight, int Left, int Top, bool Clamped);

/// <summary>
/// A drawn or scanned digit made into an MNIST input the way MNIST's own digits were made (LeCun, Cortes and Burges:
/// "size normalized to fit in a 20x20 pixel box while preserving their aspect ratio … anti-aliasing … centered in a 28x28
/// image by computing the center of mass of the pixels"), plus one step of our own: strokes far thinner than MNIST's
/// (a 1-pixel pen on a large canvas would shrink to a faint hairline) are thickened first. Pure: greyscale values in,
/// values out; no files, no decoding.
/// </summary>
public static class DigitPreprocessing
{
    /// <summary>Side of the box the ink is scaled into.</summary>
    public const int Box = 20;

    /// <summary>Where the centre of mass goes, in pixel indices: MNIST's own digits average (14, 14) (the shipped sample's: 13.995, 14.005).</summary>
    public const int Centre = Mnist.Side / 2;

    /// <summary>A pixel belongs to the ink's bounding box when it is at least this far from background to full ink (levels stretched).</summary>
    public const float InkThreshold = 0.1f;

    /// <summary>Below this difference between the strongest ink and the background (on a 0..1 scale) an image is blank.</summary>
    public const float MinContrast = 0.1f;

    /// <summary>
    /// Strokes estimated thinner than this once scaled into the box are thickened. MNIST's own digits measure 1.95
    /// (median; 5th percentile 1.28, minimum 0.78: 35 of the sample's 8,000 training digits are below 1).
    /// </summary>
    public const double MinStroke = 1.0;

    /// <summary>The width thin strokes are thickened to, in the box's pixels: MNIST's median.</summary>
    public const double TargetStroke = 2.0;

    /// <summary>
    /// Makes <paramref name="gray"/> (row-major, <paramref name="width"/> x <paramref name="height"/>, 0 = black,
    /// 1 = white) an MNIST input:
    /// (1) if the ink is darker than the background (the darkest pixel lies farther below the border's median than the
    /// lightest lies above it) the image is inverted, since MNIST is light ink on black;
    /// (2) levels are stretched so the border's median becomes 0 and the strongest ink 1;
    /// (3) the ink's bounding box (pixels at least <see cref="InkThreshold"/>) is cropped, and strokes that would be
    /// thinner than <see cref="MinStroke"/> once scaled are thickened (a max filter) to about <see cref="TargetStroke"/>;
    /// (4) the box is resampled, keeping its aspect ratio, so its longer side is 20 pixels (area averaging when
    /// shrinking, linear interpolation when enlarging: both anti-alias);
    /// (5) it is placed in a black 28x28 field so its centre of mass falls on pixel (14, 14), shifted by the rounded
    /// offset as MNIST's were, and moved back inside if that would cut ink off.
    /// An image with no ink (contrast below <see cref="MinContrast"/>) or with values outside [0, 1] is an
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public static PreparedDigit Prepare(float[] gray, int width, int height)
    {
        if (width <= 0 || height <= 0 || gray.Length != (long)width * height)
            throw new ArgumentException($"expected {width}x{height} = {(long)width * height} pixels, got {gray.Length}");
        if (gray.Any(v => !(v >= 0f && v <= 1f)))
            throw new ArgumentException("pixel values must lie in [0, 1]");

        var border = Median(Border(gray, width, height));
        float darkest = gray.Min(), lightest = gray.Max();
        var inverted = border - darkest > lightest - border;
        var background = inverted ? 1 - border : border;
        var ink = inverted ? 1 - darkest : lightest;
        if (ink - background < MinContrast)
            throw new ArgumentException($"no digit found: the image is blank (nothing differs from the background by {MinContrast:P0} or more)");
        // Levels are computed on the fly rather than into a copy of the image: a large photo is mostly background.
        float Level(float v) => Math.Clamp(((inverted ? 1 - v : v) - background) / (ink - background), 0f, 1f);

        var (left, top, right, bottom) = InkBox(gray, width, height, Level);
        int inkWidth = right - left + 1, inkHeight = bottom - top + 1;
        var crop = Crop(gray, width, left, top, inkWidth, inkHeight, 0, Level);
        var scale = (double)Box / Math.Max(inkWidth, inkHeight);
        var stroke = StrokeWidthOf(crop, inkWidth, inkHeight) * scale;
        // Dilating by `pad` widens a stroke by 2 pad source pixels (and the box with it).
        var pad = stroke < MinStroke ? Math.Max(1, (int)Math.Round((TargetStroke - stroke) / scale / 2, MidpointRounding.AwayFromZero)) : 0;
        int w = inkWidth + 2 * pad, h = inkHeight + 2 * pad;
        if (pad > 0) crop = Dilate(Crop(crop, inkWidth, 0, 0, inkWidth, inkHeight, pad, v => v), w, h, pad);
        int bw = w >= h ? Box : Math.Max(1, (int)Math.Round((double)Box * w / h));
        int bh = h >= w ? Box : Math.Max(1, (int)Math.Round((double)Box * h / w));
        var box = Resize(crop, w, h, bw, bh);

        var (cy, cx) = CentreOfMass(box, bw, bh);
        int wantTop = (int)Math.Round(Centre - cy), wantLeft = (int)Math.Round(Centre - cx);
        int placeTop = Math.Clamp(wantTop, 0, Mnist.Side - bh), placeLeft = Math.Clamp(wantLeft, 0, Mnist.Side - bw);
        var pixels = new float[Mnist.Pixels];
        for (var r = 0; r < bh; r++) Array.Copy(box, r * bw, pixels, (placeTop + r) * Mnist.Side + placeLeft, bw);
        double? thickened = pad > 0 ? StrokeWidthOf(crop, w, h) * Box / Math.Max(w, h) : null;
        return new PreparedDigit(pixels, inverted, background, ink, w, h, stroke, thickened, bw, bh, placeLeft, placeTop,
            placeTop != wantTop || placeLeft != wantLeft);
    }

    /// <summary>
    /// The strokes' width in pixels, estimated as twice the area over the perimeter of the pixels at half intensity or
    /// more (a stroke of length L and width W has area LW and perimeter about 2L; edges counted between 4-neighbours).
    /// </summary>
    public static double StrokeWidthOf(float[] image, int width, int height)
    {
        long area = 0, perimeter = 0;
        bool On(int r, int c) => r >= 0 && c >= 0 && r < height && c < width && image[r * width + c] >= 0.5f;
        for (var r = 0; r < height; r++)
            for (var c = 0; c < width; c++)
                if (On(r, c))
                {
                    area++;
                    perimeter += (On(r - 1, c) ? 0 : 1) + (On(r + 1, c) ? 0 : 1) + (On(r, c - 1) ? 0 : 1) + (On(r, c + 1) ? 0 : 1);
                }
        return perimeter == 0 ? 0 : 2.0 * area / perimeter;
    }

    /// <summary>
    /// Greyscale dilation: each pixel becomes the maximum of the (2r+1) x (2r+1) square around it (clipped at the
    /// edges). Rows then columns, each in time independent of <paramref name="radius"/> (van Herk / Gil–Werman).
    /// </summary>
    public static float[] Dilate(float[] src, int width, int height, int radius)
    {
        var dst = (float[])src.Clone();
        var line = new float[Math.Max(width, height)];
        for (var r = 0; r < height; r++) MaxFilter(dst, r * width, width, radius);
        for (var c = 0; c < width; c++)
        {
            for (var r = 0; r < height; r++) line[r] = dst[r * width + c];
            MaxFilter(line, 0, height, radius);
            for (var r = 0; r < height; r++) dst[r * width + c] = line[r];
        }
        return dst;
    }

    // In place on x[start .. start + n): x[i] = max of x[i - r .. i + r]. Over the line padded by r on both sides, cut
    // into blocks of k = 2r+1, a window's maximum is the larger of a suffix maximum in one block and a prefix maximum in
    // the next.
    private static void MaxFilter(float[] x, int start, int n, int r)
    {
        int k = 2 * r + 1, m = n + 2 * r;
        var prefix = new float[m];
        var suffix = new float[m];
        float At(int j) => j >= r && j < r + n ? x[start + j - r] : float.NegativeInfinity;
        for (var j = 0; j < m; j++) prefix[j] = j % k == 0 ? At(j) : Math.Max(prefix[j - 1], At(j));
        for (var j = m - 1; j >= 0; j--) suffix[j] = j % k == k - 1 || j == m - 1 ? At(j) : Math.Max(suffix[j + 1], At(j));
        for (var i = 0; i < n; i++) x[start + i] = Math.Max(suffix[i], prefix[i + k - 1]);
    }

    /// <summary>The intensity-weighted mean (row, column) of <paramref name="image"/>, in pixel indices; the image must hold some positive value.</summary>
    public static (double Row, double Col) CentreOfMass(float[] image, int width, int height)
    {
        double mass = 0, rows = 0, cols = 0;
        for (var r = 0; r < height; r++)
            for (var c = 0; c < width; c++)
            {
                var v = image[r * width + c];
                mass += v;
                rows += v * r;
                cols += v * c;
            }
        if (!(mass > 0)) throw new ArgumentException("the image has no mass to centre");
        return (rows / mass, cols / mass);
    }

    /// <summary>
    /// Resamples a <paramref name="width"/> x <paramref name="height"/> image to <paramref name="toWidth"/> x
    /// <paramref name="toHeight"/>, one axis after the other: an axis that shrinks averages the source span each target
    /// pixel covers (fractional pixels weighted), an axis that grows interpolates linearly between pixel centres.
    /// </summary>
    public static float[] Resize(float[] src, int width, int height, int toWidth, int toHeight)
    {
        var rows = new float[toWidth * height];
        var weights = Weights(width, toWidth);
        for (var r = 0; r < height; r++)
            for (var t = 0; t < toWidth; t++)
                rows[r * toWidth + t] = (float)weights[t].Sum(x => x.W * src[r * width + x.I]);
        var dst = new float[toWidth * toHeight];
        weights = Weights(height, toHeight);
        for (var t = 0; t < toHeight; t++)
            for (var c = 0; c < toWidth; c++)
                dst[t * toWidth + c] = (float)weights[t].Sum(x => x.W * rows[x.I * toWidth + c]);
        return dst;
    }

    // For each target index, the source indices and weights (summing to 1) that make it.
    private static (int I, double W)[][] Weights(int from, int to)
    {
        var scale = (double)from / to;
        return [.. Enumerable.Range(0, to).Select(t =>
        {
            if (scale >= 1)
            {
                double x0 = t * scale, x1 = (t + 1) * scale;
                return Enumerable.Range((int)Math.Floor(x0), Math.Min(from, (int)Math.Ceiling(x1)) - (int)Math.Floor(x0))
                    .Select(i => (i, (Math.Min(i + 1, x1) - Math.Max(i, x0)) / scale)).ToArray();
            }
            var x = Math.Clamp((t + 0.5) * scale - 0.5, 0, from - 1);
            var lo = (int)Math.Floor(x);
            var hi = Math.Min(lo + 1, from - 1);
            return lo == hi ? [(lo, 1.0)] : new[] { (lo, 1 - (x - lo)), (hi, x - lo) };
        })];
    }

    // The w x h block at (left, top) of an image `width` wide, mapped by `level`, inside a zero margin of `pad` on every side.
    private static float[] Crop(float[] image, int width, int left, int top, int w, int h, int pad, Func<float, float> level)
    {
        var stride = w + 2 * pad;
        var crop = new float[stride * (h + 2 * pad)];
        for (var r = 0; r < h; r++)
            for (var c = 0; c < w; c++)
                crop[(pad + r) * stride + pad + c] = level(image[(top + r) * width + left + c]);
        return crop;
    }

    private static (int Left, int Top, int Right, int Bottom) InkBox(float[] gray, int width, int height, Func<float, float> level)
    {
        int top = height, bottom = -1, left = width, right = -1;
        for (var r = 0; r < height; r++)
            for (var c = 0; c < width; c++)
                if (level(gray[r * width + c]) >= InkThreshold)
                {
                    top = Math.Min(top, r); bottom = Math.Max(bottom, r);
                    left = Math.Min(left, c); right = Math.Max(right, c);
                }
        return (left, top, right, bottom); // never empty: the strongest ink is 1 after stretching
    }

    private static IEnumerable<float> Border(float[] gray, int width, int height)
    {
        for (var c = 0; c < width; c++)
        {
            yield return gray[c];
            if (height > 1) yield return gray[(height - 1) * width + c];
        }
        for (var r = 1; r < height - 1; r++)
        {
            yield return gray[r * width];
            if (width > 1) yield return gray[r * width + width - 1];
        }
    }

    private static float Median(IEnumerable<float> values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
