using System.Globalization;
using System.Text;
using Functional.Model;
using Functional.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Properties.Support;

/// <summary>
/// The numeric twin of <see cref="Gradients.Compute"/>: the same (loss closure, params) in, a gradient out, computed by
/// central differences in float64. As in DiffSharp, the model is viewed as a function of one flat parameter vector θ:
/// ∂L/∂θᵢ ≈ (L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>torch.autograd.gradcheck's defaults.</summary>
    public const double Eps = 1e-6, Atol = 1e-5, Rtol = 1e-3;

    /// <summary>All parameters as one flat float64 vector, in Params order, each tensor row-major.</summary>
    public static double[] Flatten(Params p) => [.. p.Values.SelectMany(TensorAssert.Values)];

    /// <summary>Params shaped like <paramref name="template"/> (float64) holding the values of <paramref name="theta"/>.</summary>
    public static Params Unflatten(Params template, double[] theta)
    {
        var offset = 0;
        var tensors = new List<Tensor>();
        foreach (var t in template.Values)
        {
            var n = (int)t.numel();
            tensors.Add(tensor(theta.AsSpan(offset, n).ToArray(), t.shape, ScalarType.Float64));
            offset += n;
        }
        return new Params(template.Names, tensors);
    }

    /// <summary>The central-difference gradient of <paramref name="loss"/> at <paramref name="at"/> (float64, same names and shapes).</summary>
    public static Params Gradient(Func<Params, Tensor> loss, Params at, double eps = Eps)
    {
        var theta = Flatten(at);
        var grad = new double[theta.Length];
        for (var i = 0; i < theta.Length; i++)
        {
            var saved = theta[i];
            theta[i] = saved + eps;
            var plus = Evaluate(loss, at, theta);
            theta[i] = saved - eps;
            var minus = Evaluate(loss, at, theta);
            theta[i] = saved;
            grad[i] = (plus - minus) / (2 * eps);
        }
        return Unflatten(at, grad);
    }

    /// <summary>
    /// Throws (with every mismatching element) unless the core's <see cref="Gradients.Compute"/> agrees with
    /// <see cref="Gradient"/> elementwise: |analytic − numeric| ≤ atol + rtol·|numeric|, as torch.autograd.gradcheck.
    /// The params must be float64.
    /// </summary>
    public static void AssertGradientMatches(Func<Params, Tensor> loss, Params at, double atol = Atol, double rtol = Rtol)
    {
        if (at.Values.Any(t => t.dtype != ScalarType.Float64))
            throw new ArgumentException("gradient checks run in float64");
        var analytic = Gradients.Compute(loss, at).Gradient;
        var numeric = Gradient(loss, at);
        var report = new StringBuilder();
        for (var k = 0; k < at.Count; k++)
        {
            if (!analytic.Values[k].shape.SequenceEqual(at.Values[k].shape))
                report.AppendLine($"{at.Names[k]}: gradient shape [{string.Join(",", analytic.Values[k].shape)}] != param shape [{string.Join(",", at.Values[k].shape)}]");
            var a = TensorAssert.Values(analytic.Values[k]);
            var n = TensorAssert.Values(numeric.Values[k]);
            for (var i = 0; i < Math.Min(a.Length, n.Length); i++)
                if (!(Math.Abs(a[i] - n[i]) <= atol + rtol * Math.Abs(n[i])))
                    report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"{at.Names[k]}[{i}]: Gradients.Compute {a[i]:G10}, finite differences {n[i]:G10}"));
        }
        if (report.Length > 0)
            throw new GradientMismatchException(report.ToString());
    }

    private static double Evaluate(Func<Params, Tensor> loss, Params template, double[] theta)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var p = Unflatten(template, theta);
        return loss(p).ToDouble();
    }
}

/// <summary>Analytic and numeric gradients disagree.</summary>
public sealed class GradientMismatchException(string message) : Exception(message);
