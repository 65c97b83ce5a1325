using Functional.Model;
using Functional.Training.Optimizers;
using static TorchSharp.torch;

namespace Functional.Training.Ensembles;

/// <summary>
/// K independent models of one spec trained as a single batched computation, as <c>jax.vmap</c> ensembles do. Params
/// carry a leading model dimension (weight [K, out, in], bias [K, out]); a batch is [K, B, …] (each member its own
/// data) and targets [K, B, …]. The loss of member k is the mean over its own batch; the gradient of the sum of the
/// member losses is, member by member, each member's own gradient, so one autograd call trains all K. The optimizers
/// work unchanged on stacked params (per-member learning rates: <see cref="LearningRate.PerMember"/>).
/// <see cref="Loop.Run"/> drives it like a single model's <see cref="Trainer"/>.
/// </summary>
public sealed record EnsembleTrainer(MlpSpec Spec, Loss Loss, Optimizer Optimizer) : ITrainer
{
    /// <summary>
    /// When set, members may differ in shape and activation: the forward pass is <see cref="MemberLayout.Forward"/> over
    /// params padded to <see cref="MemberLayout.Envelope"/> (and <see cref="Spec"/> should be that envelope). The layout
    /// belongs to whoever built it. When null, every member has <see cref="Spec"/> and the forward is <see cref="Mlp.Forward"/>.
    /// </summary>
    public MemberLayout? Layout { get; init; }

    /// <summary>The stacked forward pass: [K, B, in] → [K, B, out] (or [K, B] when squeezed).</summary>
    public Tensor Forward(Params p, Tensor x) => Layout is { } layout ? layout.Forward(p, x) : Mlp.Forward(Spec, p, x);

    /// <summary>A fresh state: stacked params (taken over, not copied), a new optimizer state, step 0.</summary>
    public TrainState Start(Params stacked, Rng rng) => new(stacked, Optimizer.Init(stacked), 0, rng);

    /// <summary>Each member's loss on its part of <paramref name="batch"/> at stacked params <paramref name="p"/>: a [K] tensor.</summary>
    public Tensor MemberLosses(Params p, Batch batch) => Ensemble.PerMember(Loss, Forward(p, batch.Inputs), batch.Targets);

    /// <summary>
    /// One step of every member: per-member losses and gradients at the current params, then the optimizer update.
    /// Pure like <see cref="Trainer.Step"/>: inputs untouched, the returned state's tensors are new, detached from every
    /// DisposeScope and owned by the caller. The log holds each member's loss before the update and their mean.
    /// </summary>
    public Stepped Step(TrainState state, Batch batch)
    {
        using var scope = NewDisposeScope();
        Tensor? members = null;
        var (_, grads) = Gradients.Compute(p =>
        {
            members = MemberLosses(p, batch);
            return members.sum();
        }, state.Params);
        var (p2, o2) = state.Optimizer.Update(state.Params, grads, state.Step + 1);
        var losses = Ensemble.ToDoubles(members!.detach());
        scope.Detach(p2.Values.Concat(o2.Tensors.Select(t => t.Value)));
        return new Stepped(state with { Params = p2, Optimizer = o2, Step = state.Step + 1 }, new StepLog(Ensemble.Mean(losses)) { MemberLosses = losses });
    }
}

/// <summary>Stacking and unstacking of ensemble params, and per-member losses.</summary>
public static class Ensemble
{
    /// <summary>Stacks K params of one spec into ensemble params (new tensors; the inputs are not disposed).</summary>
    public static Params Stack(IReadOnlyList<Params> members)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member");
        var names = members[0].Names;
        return new Params(names, names.Select((n, i) => stack(members.Select(m => m.Values[i]).ToArray())));
    }

    /// <summary>Member <paramref name="k"/> of stacked params, as ordinary params (new tensors).</summary>
    public static Params Member(Params stacked, int k) => stacked.Map(t => t[k].clone());

    /// <summary>Number of members of stacked params (the leading dimension).</summary>
    public static int Size(Params stacked) => (int)stacked.Values[0].shape[0];

    /// <summary>
    /// The loss of each member: <paramref name="output"/> and <paramref name="target"/> have a leading member dimension
    /// [K, B, …]; member k's loss is <paramref name="loss"/> over its own [B, …] slice (the batch mean), giving a [K] tensor.
    /// </summary>
    public static Tensor PerMember(Loss loss, Tensor output, Tensor target)
    {
        var k = output.shape[0];
        switch (loss)
        {
            case Loss.Mse or Loss.Bce:
                if (!output.shape.SequenceEqual(target.shape))
                    throw new ArgumentException($"{loss.Name}: output shape [{string.Join(", ", output.shape)}] differs from target shape [{string.Join(", ", target.shape)}]");
                var elementwise = loss is Loss.Mse
                    ? nn.functional.mse_loss(output, target, reduction: nn.Reduction.None)
                    : nn.functional.binary_cross_entropy(output, target, reduction: nn.Reduction.None);
                return elementwise.reshape(k, -1).mean([1]);
            case Loss.CrossEntropy:
                return nn.functional.cross_entropy(output.flatten(0, 1), target.flatten(), reduction: nn.Reduction.None).reshape(k, -1).mean([1]);
            case Loss.Nll:
                return nn.functional.nll_loss(output.flatten(0, 1), target.flatten(), reduction: nn.Reduction.None).reshape(k, -1).mean([1]);
            default:
                // Stryker disable once String : unreachable, Loss is a closed set and each of its cases has a case above
                throw new ArgumentException($"loss {loss.Name} has no per-member form");
        }
    }

    /// <summary>A float32 or float64 tensor's values as doubles (exact: every float is a double).</summary>
    internal static double[] ToDoubles(Tensor t)
    {
        if (t.dtype == ScalarType.Float64) return t.data<double>().ToArray();
        var floats = t.data<float>().ToArray();
        var values = new double[floats.Length];
        for (var i = 0; i < values.Length; i++) values[i] = floats[i];
        return values;
    }

    /// <summary>The mean, summed in index order (a fixed order: the same bits on every machine).</summary>
    internal static double Mean(IReadOnlyList<double> values)
    {
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++) sum += values[i];
        return sum / values.Count;
    }
}
