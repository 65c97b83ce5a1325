using Functional.Model;
using Functional.Training;
using static TorchSharp.torch;

namespace Functional.Properties.Support;

/// <summary>
/// The gradient properties' assertion over the core's own check, <see cref="Gradients.Check"/>: <see cref="Gradients.Compute"/>
/// against <see cref="Gradients.FiniteDifferences"/> (central differences in float64, eps 1e-6), elementwise
/// |analytic − numeric| ≤ atol + rtol·|numeric| with torch.autograd.gradcheck's tolerances. One implementation, which
/// the library's users call too.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>
    /// Throws (with every mismatching element, worst first) unless autograd and central differences agree. The params
    /// must be float64, so that a float32 case cannot pass only because the check converted it.
    /// </summary>
    public static void AssertGradientMatches(Func<Params, Tensor> loss, Params at)
    {
        if (at.Values.Any(t => t.dtype != ScalarType.Float64))
            throw new ArgumentException("gradient checks run in float64");
        var check = Gradients.Check(loss, at);
        if (!check.Passed)
            throw new GradientMismatchException(check.ToString());
    }
}

/// <summary>Analytic and numeric gradients disagree.</summary>
public sealed class GradientMismatchException(string message) : Exception(message);
