using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>State of <see cref="Sgd"/>: the momentum buffers (empty when momentum is 0).</summary>
public sealed record SgdState(Params MomentumBuffer) : OptimizerState
{
    /// <inheritdoc/>
    public override IEnumerable<(string Name, Tensor Value)> Tensors => MomentumBuffer.Items.Select(x => ($"momentum_buffer.{x.Name}", x.Value));

    internal override IEnumerable<Tensor> TensorValues => MomentumBuffer.Values;
}

/// <summary>
/// Stochastic gradient descent with torch.optim.SGD's semantics (PyTorch 2.x):
/// g ← g + wd·p; with momentum: b ← g on the first step, else b ← μ·b + (1 − dampening)·g; g ← g + μ·b (Nesterov) or b;
/// p ← p − lr·g. Defaults as PyTorch: momentum 0, dampening 0, nesterov false, weight decay 0.
/// </summary>
public sealed record Sgd(double Lr, double Momentum = 0, double Dampening = 0, bool Nesterov = false, double WeightDecay = 0) : Optimizer
{
    /// <summary>
    /// Per-member learning rates for an ensemble (params stacked along a leading model dimension of this length): member
    /// k steps with <c>MemberLr[k]</c> and <see cref="Lr"/> is ignored. Null (the default) is the single-model path,
    /// whose arithmetic is torch.optim's and is unaffected by this property.
    /// </summary>
    public IReadOnlyList<double>? MemberLr { get; init; }

    /// <summary>Validates like torch.optim.SGD: lr ≥ 0, momentum ≥ 0, weight decay ≥ 0, Nesterov needs momentum and no dampening.</summary>
    public Sgd Validate()
    {
        if (!(Lr >= 0)) throw new ArgumentException($"invalid learning rate {Lr}");
        if (!(Momentum >= 0)) throw new ArgumentException($"invalid momentum {Momentum}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"invalid weight decay {WeightDecay}");
        if (Nesterov && (Momentum <= 0 || Dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        ValidateMemberLr(MemberLr);
        return this;
    }

    /// <inheritdoc/>
    public override OptimizerState Init(Params p) => new SgdState(Momentum != 0 ? p.Map(ZerosLike) : Params.Empty);

    /// <inheritdoc/>
    public override Updated Update(OptimizerState state, Params p, Params grads)
    {
        var s = (SgdState)state;
        var g = WeightDecay != 0 ? grads.Zip(p, (gi, pi) => gi.add(pi, alpha: WeightDecay)) : grads;
        var buffer = Params.Empty;
        if (Momentum != 0)
        {
            // torch.optim starts the buffer as a copy of the first gradient (no dampening on step 1).
            buffer = s.Step == 0
                ? g.Map(gi => gi.detach().clone())
                : s.MomentumBuffer.Zip(g, (b, gi) => b.mul(Momentum).add(gi, alpha: 1 - Dampening));
            g = Nesterov ? g.Zip(buffer, (gi, b) => gi.add(b, alpha: Momentum)) : buffer;
        }
        var next = MemberLr is null
            ? p.Zip(g, (pi, gi) => pi.add(gi, alpha: -Lr))
            : p.Zip(g, (pi, gi) => pi.addcmul(gi, MemberRates(MemberLr, pi), value: -1));
        return new Updated(next, new SgdState(buffer) { Step = s.Step + 1 });
    }

    /// <inheritdoc/>
    public override OptimizerState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors, long step) =>
        new SgdState(Momentum != 0 ? Prefixed(p, "momentum_buffer", tensors) : Params.Empty) { Step = step };

    /// <inheritdoc/>
    public override string Describe() =>
        (MemberLr is null ? $"sgd(lr={Invariant(Lr)}" : "sgd(lr=per member") + (Momentum != 0 ? $", momentum={Invariant(Momentum)}" : "") + (Dampening != 0 ? $", dampening={Invariant(Dampening)}" : "")
        + (Nesterov ? ", nesterov" : "") + (WeightDecay != 0 ? $", weight_decay={Invariant(WeightDecay)}" : "") + ")";
}
