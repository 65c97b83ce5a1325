using System.Collections.Immutable;
using System.Globalization;
using Functional.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Training;

/// <summary>
/// A loss value (detached, single element) and its gradient with respect to every parameter (same names and shapes as
/// the params). Both are new tensors owned by the caller, in the caller's DisposeScope if there is one.
/// </summary>
public sealed record ValueAndGradient(Tensor Value, Params Gradient);

/// <summary>Pure gradients: <c>torch.autograd.grad</c> on a loss closure over params; no <c>.grad</c> field is read or written.</summary>
public static class Gradients
{
    /// <summary>
    /// Evaluates <paramref name="loss"/> at <paramref name="at"/> and returns its (detached) value and gradient.
    /// The given tensors are untouched: the closure sees fresh leaf aliases of them. A parameter the loss does not
    /// depend on gets a zero gradient. The loss must return a single-element tensor.
    /// </summary>
    public static ValueAndGradient Compute(Func<Params, Tensor> loss, Params at)
    {
        var (value, gradient) = Compute(loss, at, static (f, p) => f(p));
        return new ValueAndGradient(value.detach(), gradient);
    }

    // The shared body, with the loss's argument passed through (no closure per call on the training step's path). The
    // returned value is the loss tensor itself, still attached to the (freed) graph: callers that only read it skip the detach.
    internal static (Tensor Value, Params Gradient) Compute<TArg>(TArg arg, Params at, Func<TArg, Params, Tensor> loss)
    {
        // detach() is a fresh alias of the same storage: requires_grad_ changes only that alias, never the caller's tensor.
        var leaves = at.Map(LeafAlias);
        var value = loss(arg, leaves);
        // autograd.grad aborts the process on error instead of throwing (no native error guard): check first.
        if (value.numel() != 1)
            throw new ArgumentException($"the loss must have one element, got shape [{string.Join(", ", value.shape)}]");
        if (!value.requires_grad)
            throw new ArgumentException("the loss does not depend on any parameter (it does not require grad)");
        // Stryker disable once Boolean : a retained graph only keeps its buffers until the loss is freed; no caller can reach it again (Compute detaches the value it returns)
        var grads = autograd.grad([value], leaves.Values, retain_graph: false, create_graph: false, allow_unused: true);
        // Map keeps at's names (validated when at was built) and visits the tensors in order, index by index.
        var i = 0;
        var gradient = at.Map(t =>
        {
            var g = grads[i++];
            return g is null || g.IsInvalid ? zeros_like(t) : g;
        });
        return (value, gradient);
    }

    private static Tensor LeafAlias(Tensor t) => t.detach().requires_grad_(true);

    /// <summary>The step of <see cref="FiniteDifferences"/>: 1e-6, as <c>torch.autograd.gradcheck</c>.</summary>
    public const double DefaultEps = 1e-6;

    /// <summary>
    /// The numeric twin of <see cref="Compute(Func{Params, Tensor}, Params)"/>: the gradient of <paramref name="loss"/> at
    /// <paramref name="at"/> by central differences in float64, ∂L/∂θᵢ ≈ (L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε, the model seen
    /// as a function of one flat parameter vector θ (<see cref="Params.Flatten"/>). Two loss evaluations per element,
    /// each under <c>no_grad</c> in a DisposeScope of its own, on float64 params shaped like <paramref name="at"/>: the
    /// loss must accept float64 params (whatever it combines them with must be float64 too) and return one element.
    /// Returns new float64 tensors with <paramref name="at"/>'s names and shapes, owned by the caller.
    /// </summary>
    public static Params FiniteDifferences(Func<Params, Tensor> loss, Params at, double eps = DefaultEps)
    {
        if (!(eps > 0) || !double.IsFinite(eps)) throw new ArgumentException($"the finite-difference step must be positive and finite, got {eps}");
        using var template = at.ToFloat64();
        var theta = template.Flatten();
        var grad = new double[theta.Length];
        for (var i = 0; i < theta.Length; i++)
        {
            var saved = theta[i];
            theta[i] = saved + eps;
            var plus = LossValue(loss, template, theta);
            theta[i] = saved - eps;
            var minus = LossValue(loss, template, theta);
            theta[i] = saved;
            grad[i] = (plus - minus) / (2 * eps);
        }
        return template.Unflatten(grad);
    }

    /// <summary>
    /// Compares <see cref="Compute(Func{Params, Tensor}, Params)"/> (autograd) with <see cref="FiniteDifferences"/> element
    /// by element, both in float64 at <paramref name="at"/> converted to float64, with <c>torch.autograd.gradcheck</c>'s
    /// criterion |analytic − numeric| ≤ <paramref name="atol"/> + <paramref name="rtol"/>·|numeric| (its defaults:
    /// atol 1e-5, rtol 1e-3, eps 1e-6). The loss must accept float64 params and return one element. Returns numbers
    /// only: every tensor the check makes is freed before it returns, and <paramref name="at"/> is untouched.
    /// </summary>
    public static GradientCheck Check(Func<Params, Tensor> loss, Params at, double atol = GradientCheck.DefaultAtol,
        double rtol = GradientCheck.DefaultRtol, double eps = DefaultEps)
    {
        if (!(atol >= 0) || !(rtol >= 0)) throw new ArgumentException($"tolerances must be non-negative, got atol {atol}, rtol {rtol}");
        using var scope = NewDisposeScope();
        var p = at.ToFloat64();
        var analytic = Compute(loss, p).Gradient.Flatten();
        var numeric = FiniteDifferences(loss, p, eps).Flatten();
        var entries = new List<GradientEntry>(analytic.Length);
        var offset = 0;
        for (var k = 0; k < p.Count; k++)
        {
            var shape = p.Values[k].shape;
            var n = (int)p.Values[k].numel();
            for (var i = 0; i < n; i++)
                entries.Add(new GradientEntry(p.Names[k], Coordinates(i, shape), analytic[offset + i], numeric[offset + i], atol + rtol * Math.Abs(numeric[offset + i])));
            offset += n;
        }
        return new GradientCheck([.. entries.OrderByDescending(e => e.Ratio)], atol, rtol);
    }

    private static double LossValue(Func<Params, Tensor> loss, Params template, double[] theta)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var value = loss(template.Unflatten(theta));
        if (value.numel() != 1)
            throw new ArgumentException($"the loss must have one element, got shape [{string.Join(", ", value.shape)}]");
        return value.ToDouble();
    }

    // The row-major coordinates of flat index i in a tensor of the given shape.
    private static ImmutableArray<long> Coordinates(long i, long[] shape)
    {
        var index = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = i % shape[d];
            i /= shape[d];
        }
        return [.. index];
    }
}

/// <summary>
/// One parameter element of a <see cref="Gradients.Check"/>: its name and coordinates, the gradient autograd gave
/// (<see cref="Analytic"/>), the central-difference one (<see cref="Numeric"/>) and the tolerance atol + rtol·|numeric|.
/// </summary>
public sealed record GradientEntry(string Name, ImmutableArray<long> Index, double Analytic, double Numeric, double Tolerance)
{
    /// <summary>|analytic − numeric|.</summary>
    public double Error => Math.Abs(Analytic - Numeric);

    /// <summary>Whether the error is within the tolerance (a NaN anywhere fails).</summary>
    public bool Passes => Error <= Tolerance;

    /// <summary>Error / tolerance: above 1 fails; +∞ for a NaN, or for any error against a zero tolerance.</summary>
    public double Ratio => double.IsNaN(Error) ? double.PositiveInfinity : Error == 0 ? 0 : Error / Tolerance;

    /// <summary>Culture-invariant: <c>l1.weight[1, 0]: autograd 0.25, finite differences 0.2475 (error 0.0025, tolerance 0.000258)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}[{string.Join(", ", Index)}]: autograd {Analytic:G10}, finite differences {Numeric:G10} (error {Error:G3}, tolerance {Tolerance:G3})");

    /// <summary>Value equality, the coordinates compared element by element.</summary>
    public bool Equals(GradientEntry? other) =>
        other is not null && Name == other.Name && Index.SequenceEqual(other.Index) && Analytic.Equals(other.Analytic)
        && Numeric.Equals(other.Numeric) && Tolerance.Equals(other.Tolerance);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Name); h.Add(Analytic); h.Add(Numeric); h.Add(Tolerance);
        foreach (var i in Index) h.Add(i);
        return h.ToHashCode();
    }
}

/// <summary>
/// The result of <see cref="Gradients.Check"/>: every parameter element compared, worst first (by error / tolerance),
/// and the tolerances used.
/// </summary>
public sealed record GradientCheck(ImmutableArray<GradientEntry> Entries, double Atol, double Rtol)
{
    /// <summary><c>torch.autograd.gradcheck</c>'s absolute tolerance.</summary>
    public const double DefaultAtol = 1e-5;
    /// <summary><c>torch.autograd.gradcheck</c>'s relative tolerance.</summary>
    public const double DefaultRtol = 1e-3;

    /// <summary>Whether every element is within its tolerance.</summary>
    public bool Passed => Entries.All(e => e.Passes);

    /// <summary>The elements outside their tolerance, worst first.</summary>
    public ImmutableArray<GradientEntry> Failures => [.. Entries.Where(e => !e.Passes)];

    /// <summary>
    /// One line per failing element, worst first (or, when all pass, a line with the count and the worst entry).
    /// </summary>
    public override string ToString() => Passed
        ? $"{Entries.Length} gradient elements within tolerance" + (Entries.IsEmpty ? "" : $"; closest: {Entries[0]}")
        : string.Join(Environment.NewLine, Failures.Select(e => e.ToString()).Prepend($"{Failures.Length} of {Entries.Length} gradient elements outside atol {Atol.ToString(CultureInfo.InvariantCulture)} + rtol {Rtol.ToString(CultureInfo.InvariantCulture)}·|numeric|:"));

    /// <summary>Value equality, the entries compared element by element.</summary>
    public bool Equals(GradientCheck? other) =>
        other is not null && Entries.SequenceEqual(other.Entries) && Atol.Equals(other.Atol) && Rtol.Equals(other.Rtol);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Atol); h.Add(Rtol);
        foreach (var e in Entries) h.Add(e);
        return h.ToHashCode();
    }
}
