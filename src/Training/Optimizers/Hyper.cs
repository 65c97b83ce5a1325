using System.Globalization;

namespace Functional.Training.Optimizers;

// Hyper-parameter checks with torch.optim's rules and messages (PyTorch 2.x), plus finiteness: NaN and ±∞ never pass.
// Used by the transforms and by Sgd and Adam, so neither can be built invalid.
internal static class Hyper
{
    public static string Text(double x) => x.ToString(CultureInfo.InvariantCulture);

    /// <summary>x ≥ 0 and finite, else "Invalid {what}: x".</summary>
    public static double NonNegative(double x, string what) =>
        x >= 0 && double.IsFinite(x) ? x : throw new ArgumentException($"Invalid {what}: {Text(x)}");

    /// <summary>Finite, else "Invalid {what}: x".</summary>
    public static double Finite(double x, string what) =>
        double.IsFinite(x) ? x : throw new ArgumentException($"Invalid {what}: {Text(x)}");

    /// <summary>0 ≤ β &lt; 1, else torch's "Invalid beta parameter at index i: β".</summary>
    public static double Beta(double beta, int index) =>
        beta >= 0 && beta < 1 ? beta : throw new ArgumentException($"Invalid beta parameter at index {index}: {Text(beta)}");

    /// <summary>Nesterov momentum needs a positive momentum and zero dampening (torch.optim.SGD's rule).</summary>
    public static void Nesterov(bool nesterov, double momentum, double dampening)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
    }
}
