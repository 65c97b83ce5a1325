using static TorchSharp.torch;

namespace Functional.Shell;

/// <summary>Console formatting of numbers and tensors.</summary>
internal static class Format
{
    /// <summary>How often (in epochs) to print a progress line: a power of ten giving about 5–50 lines.</summary>
    public static int ProgressInterval(int epochs) => (int)Math.Pow(10, Math.Floor(Math.Log10(Math.Max(1.0, epochs / 5.0))));

    /// <summary>A small tensor as nested brackets with 4 decimals, e.g. <c>[[0.5406, 0.5869], [-0.1657, 0.6496]]</c>.</summary>
    public static string Tensor(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float64).cpu();
        var values = c.data<double>().ToArray();
        var shape = c.shape;
        var index = 0;
        string Build(int dim)
        {
            if (dim == shape.Length) return values[index++].ToString("F4", Inv);
            var parts = new List<string>();
            for (var i = 0; i < shape[dim]; i++) parts.Add(Build(dim + 1));
            return "[" + string.Join(", ", parts) + "]";
        }
        return Build(0);
    }
}
