using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// Adds L2 weight decay to the updates: <c>u ← u + wd·p</c>, as torch.optim's coupled <c>weight_decay</c> adds it to
/// the gradient (<c>g.add(p, alpha: wd)</c>) before momentum or Adam's moments see it. Stateless.
/// </summary>
public sealed record AddDecayedWeights : Transform<EmptyState>
{
    /// <summary>A weight decay of <paramref name="weightDecay"/> (finite, ≥ 0).</summary>
    public AddDecayedWeights(double weightDecay) => WeightDecay = Hyper.NonNegative(weightDecay, "weight_decay value");

    /// <summary>The decay coefficient.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    public override EmptyState Init(Params p) => EmptyState.Instance;

    /// <inheritdoc/>
    public override (Updates Updates, EmptyState State) Update(Updates updates, EmptyState state, Params p, long step) =>
        (new Updates(updates.Materialize().Direction.ScaledAdd(p, WeightDecay)), state);

    /// <inheritdoc/>
    public override EmptyState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors) => EmptyState.Instance;

    /// <inheritdoc/>
    public override string ToString() => $"add_decayed_weights({Hyper.Text(WeightDecay)})";
}
