using TorchSharp;
using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// Arithmetic on whole <see cref="Params"/> trees, tensor by tensor, so transforms never index by hand (optax's tree
/// maths). Each helper is written in torch.optim's op order, so a transform built from them keeps its arithmetic to
/// the bit. Every result is a new tree of new tensors; the inputs are not changed.
/// </summary>
public static class TreeMath
{
    /// <summary>
    /// A moment update <c>decay·m + weight·g</c>, as torch.optim writes it: <c>m.mul(decay).add_(g, alpha: weight)</c>
    /// (Adam's first moment with weight 1 − β₁; SGD's momentum buffer with weight 1 − dampening). The in-place add acts
    /// on the fresh product, never on an input.
    /// </summary>
    public static Params Moment(this Params m, Params g, double decay, double weight)
    {
        // Held until the ops are done (see Scalars): an implicit temporary could be finalized while libtorch reads it.
        using Scalar d = decay.ToScalar(), w = weight.ToScalar();
        return m.Zip(g, (mi, gi) => mi.mul(d).add_(gi, alpha: w));
    }

    /// <summary>A second-moment update <c>decay·v + weight·g²</c>, as torch.optim: <c>v.mul(decay).addcmul_(g, g, value: weight)</c>.</summary>
    public static Params SquaredMoment(this Params v, Params g, double decay, double weight)
    {
        using Scalar d = decay.ToScalar(), w = weight.ToScalar();
        return v.Zip(g, (vi, gi) => vi.mul(d).addcmul_(gi, gi, value: w));
    }

    /// <summary>The bias correction <c>1 − decayᵗ</c> of a moment after <paramref name="step"/> updates (step ≥ 1).</summary>
    public static double BiasCorrection(double decay, long step) => 1 - Math.Pow(decay, step);

    /// <summary><c>a + alpha·b</c>, as torch: <c>a.add(b, alpha: alpha)</c> (weight decay on a gradient, Nesterov's look-ahead).</summary>
    public static Params ScaledAdd(this Params a, Params b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.Zip(b, (x, y) => x.add(y, alpha: s));
    }

    /// <summary>The element-wise maximum of two trees (AMSGrad's running maximum).</summary>
    public static Params Maximum(this Params a, Params b) => a.Zip(b, (x, y) => x.maximum(y));

    /// <summary>A tree of zeros shaped like <paramref name="p"/>.</summary>
    public static Params ZerosLike(this Params p) => p.Map(t => zeros_like(t));
}
