using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Tests.Shared;

/// <summary>Comparisons of tensors and numbers for tests.</summary>
public static class TensorAssert
{
    /// <summary>The raw bytes of a tensor (contiguous CPU copy).</summary>
    public static byte[] Bytes(Tensor t)
    {
        using var c = t.detach().contiguous().cpu();
        return c.bytes.ToArray();
    }

    /// <summary>Values of a tensor as doubles, flattened.</summary>
    public static double[] Values(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float64).cpu().reshape(-1);
        return c.data<double>().ToArray();
    }

    /// <summary>Largest |a−b| / max(|a|, |b|, floor) over the elements (shapes must match).</summary>
    public static double MaxRelativeError(Tensor a, Tensor b, double floor = 1e-12)
    {
        Assert.Equal(a.shape, b.shape);
        var x = Values(a);
        var y = Values(b);
        return x.Zip(y, (p, q) => Math.Abs(p - q) / Math.Max(Math.Max(Math.Abs(p), Math.Abs(q)), floor)).DefaultIfEmpty(0).Max();
    }

    public static void Close(double expected, double actual, double relative, string what = "")
    {
        var err = Math.Abs(expected - actual) / Math.Max(Math.Max(Math.Abs(expected), Math.Abs(actual)), 1e-12);
        Assert.True(err <= relative, $"{what} expected {expected:R}, got {actual:R} (relative error {err:E2} > {relative:E0})");
    }

    /// <summary><c>torch.allclose</c>'s criterion: |actual − expected| ≤ atol + rtol·|expected| (torch's defaults: rtol 1e-5, atol 1e-8).</summary>
    public static void AllClose(double expected, double actual, string what = "", double rtol = 1e-5, double atol = 1e-8)
    {
        var diff = Math.Abs(expected - actual);
        Assert.True(diff <= atol + rtol * Math.Abs(expected),
            $"{what} expected {expected:R}, got {actual:R} (|difference| {diff:E2} > {atol:E0} + {rtol:E0}·|expected|)");
    }

    /// <summary>The same names and, tensor by tensor, the same bytes (same dtype, shape and bits).</summary>
    public static void Identical(Params expected, Params actual, string what = "")
    {
        Assert.Equal(expected.Names.ToArray(), actual.Names.ToArray());
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected.Values[i].dtype, actual.Values[i].dtype);
            Assert.Equal(expected.Values[i].shape, actual.Values[i].shape);
            Assert.True(Bytes(expected.Values[i]).AsSpan().SequenceEqual(Bytes(actual.Values[i])),
                $"{what} {expected.Names[i]}: not bitwise equal (largest relative difference {MaxRelativeError(expected.Values[i], actual.Values[i]):E2})");
        }
    }
}
