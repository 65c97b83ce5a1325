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
/// </summary>
public sealed record EnsembleTrainer(MlpSpec Spec, Loss Loss, Optimizer Optimizer)
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
    /// Pure like <see cref="Trainer.Step"/>: inputs untouched, the returned state and losses ([K], detached) are new tensors.
    /// </summary>
    public EnsembleStepped Step(TrainState state, Batch batch)
    {
        using var scope = NewDisposeScope();
        Tensor? members = null;
        var (_, grads) = Gradients.Compute(p =>
        {
            members = MemberLosses(p, batch);
            return members.sum();
        }, state.Params);
        var (p2, o2) = state.Optimizer.Update(state.Params, grads, state.Step + 1);
        var losses = members!.detach();
        scope.MoveToOuter(p2.Values.Concat(o2.Tensors.Select(t => t.Value)).Append(losses));
        return new EnsembleStepped(state with { Params = p2, Optimizer = o2, Step = state.Step + 1 }, losses);
    }
}

/// <summary>The state after one ensemble step and each member's loss before the update ([K], owned by the caller).</summary>
public sealed record EnsembleStepped(TrainState State, Tensor Losses);

/// <summary>How an ensemble run is driven: epochs, each epoch's stacked batches, an optional per-member evaluation.</summary>
/// <param name="Epochs">Total number of epochs.</param>
/// <param name="Data">Draws one epoch's stacked batches ([K, B, …]); called with the epoch number (from 1). Must be pure.</param>
public sealed record EnsemblePlan(int Epochs, Func<int, Rng, EpochData> Data)
{
    /// <summary>Evaluated after each epoch under no_grad: per-member loss and accuracy (arrays of length K; either may be null).</summary>
    public Func<Params, MemberEvaluation>? Evaluate { get; init; }
    /// <summary>Whether <see cref="EnsembleEpochEvent.StepLosses"/> is filled in (costs K floats per step).</summary>
    public bool RecordSteps { get; init; }
}

/// <summary>A per-member evaluation: arrays of length K, either may be absent.</summary>
public sealed record MemberEvaluation(double[]? Loss, double[]? Accuracy);

/// <summary>
/// One finished ensemble epoch: per member, the mean training loss over the epoch's steps (non-finite once that member
/// diverged) and its evaluation; with <see cref="EnsemblePlan.RecordSteps"/>, every step's losses [batch][member].
/// </summary>
public sealed record EnsembleEpochEvent(int Epoch, double[] Loss, double[]? ValLoss, double[]? Accuracy) : TrainEvent
{
    /// <summary>Per-step losses, [batch][member], or null when not recorded.</summary>
    public float[][]? StepLosses { get; init; }
}

/// <summary>Stacking and unstacking of ensemble params, per-member losses, and the ensemble training loop.</summary>
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
                throw new ArgumentException($"loss {loss.Name} has no per-member form");
        }
    }

    /// <summary>
    /// Runs <paramref name="plan"/> from <paramref name="initial"/> (stacked), yielding an <see cref="EnsembleEpochEvent"/>
    /// and an <see cref="EpochEnd"/> per epoch and always a final <see cref="Finished"/> whose state the consumer owns.
    /// Owns and disposes every state it replaces, like <see cref="Loop.Run"/>. A member whose loss turns non-finite does
    /// not stop the others: its numbers simply stay non-finite (the run never ends as diverged). Cancellation is checked
    /// between steps.
    /// </summary>
    public static IEnumerable<TrainEvent> Run(EnsembleTrainer trainer, TrainState initial, EnsemblePlan plan, CancellationToken cancel = default)
    {
        if (plan.Epochs <= 0) throw new ArgumentException($"epochs must be positive, got {plan.Epochs}");
        var state = initial;
        var handedOver = false;
        try
        {
            for (var epoch = 1; epoch <= plan.Epochs; epoch++)
            {
                double[] meanLoss;
                float[][]? steps = null;
                EpochData data;
                using (var epochScope = NewDisposeScope())
                {
                    data = plan.Data(epoch, state.Rng);
                    var losses = new List<Tensor>(data.Batches.Count);
                    for (var b = 0; b < data.Batches.Count; b++)
                    {
                        if (cancel.IsCancellationRequested)
                        {
                            handedOver = true;
                            yield return new Finished(state, new Position(epoch, b), StopReason.Cancelled);
                            yield break;
                        }
                        var (next, stepLosses) = trainer.Step(state, data.Batches[b]);
                        next.DetachFromDisposeScope();
                        state.Dispose();
                        state = next;
                        losses.Add(stepLosses);
                    }
                    var all = stack(losses).to(ScalarType.Float64); // [batches, K]
                    meanLoss = all.mean([0]).data<double>().ToArray();
                    if (plan.RecordSteps)
                    {
                        var k = all.shape[1];
                        var flat = all.to(ScalarType.Float32).data<float>().ToArray();
                        steps = [.. Enumerable.Range(0, losses.Count).Select(b => flat.AsSpan((int)(b * k), (int)k).ToArray())];
                    }
                }
                MemberEvaluation? eval = null;
                if (plan.Evaluate is { } evaluate)
                    using (no_grad())
                        eval = evaluate(state.Params);
                state = state with { Rng = data.Rng };
                yield return new EnsembleEpochEvent(epoch, meanLoss, eval?.Loss, eval?.Accuracy) { StepLosses = steps };
                yield return new EpochEnd(state, new Position(epoch + 1, 0));
            }
            handedOver = true;
            yield return new Finished(state, new Position(plan.Epochs + 1, 0), StopReason.Completed);
        }
        finally
        {
            if (!handedOver) state.Dispose();
        }
    }
}
