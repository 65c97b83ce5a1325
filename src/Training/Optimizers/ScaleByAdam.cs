using TorchSharp;
using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// The state of <see cref="ScaleByAdam"/>: the first and second moment estimates (torch.optim's <c>exp_avg</c>,
/// <c>exp_avg_sq</c>) and, with AMSGrad, the running maximum of the second (<c>max_exp_avg_sq</c>; empty otherwise).
/// </summary>
public sealed record ScaleByAdamState(Params ExpAvg, Params ExpAvgSq, Params MaxExpAvgSq) : ITransformState
{
    /// <inheritdoc/>
    public IEnumerable<(string Name, Params Tree)> Trees =>
        [("exp_avg", ExpAvg), ("exp_avg_sq", ExpAvgSq), ("max_exp_avg_sq", MaxExpAvgSq)];

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        ExpAvg.Dispose();
        ExpAvgSq.Dispose();
        MaxExpAvgSq.Dispose();
    }
}

/// <summary>
/// Adam's rescaling with torch.optim.Adam's arithmetic (PyTorch 2.x): m ← β₁m + (1−β₁)u; v ← β₂v + (1−β₂)u²;
/// (AMSGrad: v̂ ← max(v̂, v), used for v below); the update is m / (√v / √(1−β₂ᵗ) + ε) / (1−β₁ᵗ), left pending as
/// direction m, that denominator and divisor 1−β₁ᵗ, so the learning rate can still be folded in torch's order
/// (<c>p.addcdiv(m, denom, value: −(lr / (1−β₁ᵗ)))</c>). Built valid or not at all: betas in [0, 1), ε finite and ≥ 0.
/// Defaults as PyTorch: betas (0.9, 0.999), ε 1e-8, no AMSGrad.
/// </summary>
public sealed record ScaleByAdam : Transform<ScaleByAdamState>
{
    /// <summary>Adam's moment decays <paramref name="beta1"/> and <paramref name="beta2"/>, <paramref name="eps"/>, optionally AMSGrad.</summary>
    public ScaleByAdam(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, bool amsgrad = false)
    {
        Eps = Hyper.NonNegative(eps, "epsilon value");
        Beta1 = Hyper.Beta(beta1, 0);
        Beta2 = Hyper.Beta(beta2, 1);
        Amsgrad = amsgrad;
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }
    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }
    /// <summary>Whether the denominator uses the running maximum of the second moment.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public override ScaleByAdamState Init(Params p) => new(p.ZerosLike(), p.ZerosLike(), Amsgrad ? p.ZerosLike() : Params.Empty);

    /// <inheritdoc/>
    public override (Updates Updates, ScaleByAdamState State) Update(Updates updates, ScaleByAdamState state, Params p, long step)
    {
        var g = updates.Materialize().Direction;
        var m = state.ExpAvg.Moment(g, Beta1, 1 - Beta1);
        var v = state.ExpAvgSq.SquaredMoment(g, Beta2, 1 - Beta2);
        var vMax = Amsgrad ? state.MaxExpAvgSq.Maximum(v) : Params.Empty;
        var bias2Sqrt = Math.Sqrt(TreeMath.BiasCorrection(Beta2, step));
        // div_/add_ act on the fresh temporary sqrt() just made, never on an input: the update stays pure.
        using Scalar b2 = bias2Sqrt.ToScalar(), eps = Eps.ToScalar(); // held through the ops (see Scalars)
        var denominator = (Amsgrad ? vMax : v).Map(vi => vi.sqrt().div_(b2).add_(eps));
        return (new Updates(m) { Denominator = denominator, Divisor = TreeMath.BiasCorrection(Beta1, step) }, new ScaleByAdamState(m, v, vMax));
    }

    /// <inheritdoc/>
    public override ScaleByAdamState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors) =>
        new(StateTensors.Read(p, "exp_avg", tensors), StateTensors.Read(p, "exp_avg_sq", tensors),
            Amsgrad ? StateTensors.Read(p, "max_exp_avg_sq", tensors) : Params.Empty);

    /// <inheritdoc/>
    public override string ToString() =>
        $"scale_by_adam(betas=({Hyper.Text(Beta1)}, {Hyper.Text(Beta2)}), eps={Hyper.Text(Eps)}" + (Amsgrad ? ", amsgrad" : "") + ")";
}
