using TorchSharp;
using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// The updates flowing through a chain of transforms, kept lazy so the final apply can compute them in torch.optim's
/// order: the update of each tensor is
/// <c>(Scale / Divisor) · Direction [· Factor] [/ Denominator]</c>, and <see cref="ApplyTo"/> adds it to the params in
/// one fused op, as torch does (<c>p.add(g, alpha: −lr)</c>, <c>p.addcdiv(m, denom, value: −(lr / bc₁))</c>). Computing
/// the update first and adding it after (<c>p + u</c>) drifts from torch.optim: 2e-4 relative over an SGD run, 2e-2 over
/// an Adam fit (see PITFALLS).
/// </summary>
/// <remarks>
/// A transform that needs the update's value (a <see cref="Trace"/> after a <see cref="ScaleByAdam"/>, say) calls
/// <see cref="Materialize"/>; the transforms of <see cref="Sgd"/> and <see cref="Adam"/> never need to, so their
/// arithmetic stays torch.optim's to the bit. Updates are temporaries of one step: they do not own their tensors.
/// </remarks>
/// <param name="Direction">The update's direction (the gradient, a momentum buffer, Adam's first moment).</param>
public sealed record Updates(Params Direction)
{
    /// <summary>Divides the direction element-wise (Adam's <c>√v̂ + ε</c>), or null.</summary>
    public Params? Denominator { get; init; }

    /// <summary>Multiplies the direction element-wise (per-member learning rates shaped to broadcast), or null.</summary>
    public Params? Factor { get; init; }

    /// <summary>A scalar factor (−lr after <see cref="ScaleByLearningRate"/>); 1 before any scaling.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>A scalar divisor (Adam's bias correction 1 − β₁ᵗ); 1 when none.</summary>
    public double Divisor { get; init; } = 1;

    /// <summary>Whether the update is just <see cref="Direction"/>: nothing pending.</summary>
    public bool IsPlain => Denominator is null && Factor is null && Scale == 1 && Divisor == 1;

    /// <summary>The update's value as plain updates (nothing pending).</summary>
    public Updates Materialize()
    {
        if (IsPlain) return this;
        var d = Direction;
        if (Factor is { } f) d = d.Zip(f, (x, y) => x.mul(y));
        if (Denominator is { } denom) d = d.Zip(denom, (x, y) => x.div(y));
        var coefficient = Scale / Divisor;
        if (coefficient != 1)
        {
            using var c = coefficient.ToScalar(); // held through the ops (see Scalars)
            d = d.Map(x => x.mul(c));
        }
        return new Updates(d);
    }

    /// <summary>
    /// The params plus these updates (new tensors), in torch.optim's fused order with coefficient c = Scale / Divisor:
    /// <c>p.add(d, alpha: c)</c>; with a denominator <c>p.addcdiv(d, denom, value: c)</c>; with a factor
    /// <c>p.addcmul(d, f, value: c)</c>, or <c>p.addcdiv(d.mul(f), denom, value: c)</c> with both.
    /// </summary>
    public Params ApplyTo(Params p)
    {
        // Held until the ops are done (see Scalars): an implicit temporary could be finalized while libtorch reads it.
        using var c = (Scale / Divisor).ToScalar();
        return (Factor, Denominator) switch
        {
            (null, null) => p.Zip(Direction, (pi, d) => pi.add(d, alpha: c)),
            (null, { } denom) => p.Zip(Direction, denom, (pi, d, q) => pi.addcdiv(d, q, value: c)),
            ({ } f, null) => p.Zip(Direction, f, (pi, d, fi) => pi.addcmul(d, fi, value: c)),
            ({ } f, { } denom) => p.Zip(Direction.Zip(f, (d, fi) => d.mul(fi)), denom, (pi, d, q) => pi.addcdiv(d, q, value: c)),
        };
    }
}
