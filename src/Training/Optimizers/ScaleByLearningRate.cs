using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// Scales the updates by −lr (optax's <c>scale_by_learning_rate</c>): a scalar rate, or one rate per ensemble member
/// (params stacked along a leading member dimension K, member k scaled by rate k). The scaling is left pending in the
/// <see cref="Updates"/>, so the final apply folds it into torch.optim's fused op: <c>p.add(g, alpha: −lr)</c>,
/// <c>p.addcdiv(m, denom, value: −(lr / bc₁))</c>; per member <c>p.addcmul(g, rates, value: −1)</c> and
/// <c>p.addcdiv(m.mul(rates), denom, value: −1 / bc₁)</c>. Stateless.
/// </summary>
/// <param name="Rate">The learning rate (valid by construction).</param>
public sealed record ScaleByLearningRate(LearningRate Rate) : Transform<EmptyState>
{
    /// <summary>The learning rate.</summary>
    public LearningRate Rate { get; } = Rate ?? throw new ArgumentNullException(nameof(Rate));

    /// <inheritdoc/>
    public override EmptyState Init(Params p) => EmptyState.Instance;

    /// <inheritdoc/>
    public override (Updates Updates, EmptyState State) Update(Updates updates, EmptyState state, Params p, long step)
    {
        if (Rate.Scalar is { } lr) return (updates with { Scale = updates.Scale * -lr }, state);
        var rates = updates.Direction.Map(MemberRates);
        return (updates with { Scale = -updates.Scale, Factor = updates.Factor is { } f ? f.Zip(rates, (a, b) => a.mul(b)) : rates }, state);
    }

    /// <inheritdoc/>
    public override EmptyState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors) => EmptyState.Instance;

    /// <inheritdoc/>
    public override string ToString() => $"scale_by_learning_rate({Rate})";

    // The member rates shaped [K, 1, …] to broadcast over a stacked tensor [K, …], in its dtype.
    private Tensor MemberRates(Tensor like)
    {
        var rates = Rate.Members;
        if (like.dim() < 1 || like.shape[0] != rates.Length)
            throw new ArgumentException($"{rates.Length} member learning rates for a parameter of shape [{string.Join(", ", like.shape)}]");
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = rates.Length;
        return tensor(rates.ToArray(), dtype: like.dtype).view(shape);
    }
}
