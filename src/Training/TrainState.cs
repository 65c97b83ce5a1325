using TorchSharp;
using Functional.Model;
using Functional.Training.Optimizers;
using static TorchSharp.torch;

namespace Functional.Training;

/// <summary>
/// One batch of training data: inputs and targets, in whatever shapes the spec and loss expect (for an ensemble, with a
/// leading member dimension). A batch does not own its tensors: whoever made them disposes them, after the steps that use them.
/// </summary>
public sealed record Batch(Tensor Inputs, Tensor Targets);

/// <summary>
/// Everything a training run carries from step to step: params, optimizer state, the number of steps taken, and the
/// Rng that the next epoch's data draws (shuffles) start from. Immutable; its tensors belong to whoever holds the state.
/// </summary>
public sealed record TrainState(Params Params, OptimizerState Optimizer, long Step, Rng Rng) : IDisposable
{
    /// <summary>Frees the params and optimizer state tensors.</summary>
    public void Dispose()
    {
        Params.Dispose();
        Optimizer.Dispose();
    }

    /// <summary>
    /// A copy with the given fields replaced and the rest kept: the <c>with</c> of languages without C#'s (F#:
    /// <c>state.With(rng = Rng.Seed 1L)</c>). Like C#'s <c>with</c>, it copies no tensor: the new state shares every
    /// tensor it does not replace with this one, so dispose only one of the two (whichever you keep).
    /// </summary>
    public TrainState With(Params? parameters = null, OptimizerState? optimizer = null, long? step = null, Rng? rng = null) =>
        new(parameters ?? Params, optimizer ?? Optimizer, step ?? Step, rng ?? Rng);

    /// <summary>Takes every tensor out of any DisposeScope, so the state lives until its owner disposes it. Returns this.</summary>
    public TrainState DetachFromDisposeScope()
    {
        Params.DetachFromDisposeScope();
        foreach (var t in Optimizer.TensorValues) t.DetachFromDisposeScope();
        return this;
    }
}

/// <summary>Operations on <see cref="TrainState"/> that a record cannot declare itself (C# reserves the name <c>Clone</c> in records).</summary>
public static class TrainStateExtensions
{
    /// <summary>
    /// A deep copy the caller owns: new params and optimizer-state tensors with the same values (registered, like any new
    /// tensor, in the caller's DisposeScope if one is open), the same step count and Rng. Use it to keep a state the loop
    /// still owns, e.g. an <see cref="EpochEnd"/>'s. From F# as from C#: <c>state.Clone()</c>.
    /// </summary>
    public static TrainState Clone(this TrainState state) => new(state.Params.Clone(), state.Optimizer.Clone(state.Params), state.Step, state.Rng);
}

/// <summary>
/// What one step reports: the loss at the params before the update (NaN or infinite when the step diverged). An
/// ensemble step also reports each member's loss in <see cref="MemberLosses"/>, and <see cref="Loss"/> is their mean.
/// </summary>
public sealed record StepLog(double Loss)
{
    /// <summary>Each member's loss before the update (an ensemble step); null for a single model.</summary>
    public IReadOnlyList<double>? MemberLosses { get; init; }
}

/// <summary>
/// The state after one step and its log. <see cref="State"/> holds only new tensors, in no DisposeScope, owned by the
/// caller; the state the step started from is unchanged and still belongs to its owner, who disposes it once it is no
/// longer needed.
/// </summary>
public sealed record Stepped(TrainState State, StepLog Log);

/// <summary>
/// A pure training step that <see cref="Loop.Run"/> drives: <see cref="Trainer"/> (one model) and
/// <see cref="Ensembles.EnsembleTrainer"/> (K models trained as one computation, reporting per-member losses).
/// </summary>
public interface ITrainer
{
    /// <summary>The network (for an ensemble, the spec every member is stacked or padded into).</summary>
    MlpSpec Spec { get; }

    /// <summary>The loss minimised.</summary>
    Loss Loss { get; }

    /// <summary>The optimizer.</summary>
    Optimizer Optimizer { get; }

    /// <summary>A fresh state: params (taken over, not copied), a new optimizer state, step 0.</summary>
    TrainState Start(Params p, Rng rng);

    /// <summary>
    /// One step from <paramref name="state"/> on <paramref name="batch"/>. Pure: the input state's tensors are unchanged;
    /// the returned state holds only new tensors, detached from every DisposeScope, owned by the caller.
    /// </summary>
    Stepped Step(TrainState state, Batch batch);
}

/// <summary>
/// A training setup: the model spec, the loss and the optimizer. <see cref="Step"/> is the pure training step.
/// </summary>
public sealed record Trainer(MlpSpec Spec, Loss Loss, Optimizer Optimizer) : ITrainer
{
    /// <summary>A fresh state: params from <paramref name="p"/> (taken over, not copied), a new optimizer state, step 0.</summary>
    public TrainState Start(Params p, Rng rng) => new(p, Optimizer.Init(p), 0, rng);

    /// <summary>The loss of the spec's output on <paramref name="batch"/> at params <paramref name="p"/>.</summary>
    public Tensor LossAt(Params p, Batch batch) => Loss.Compute(Mlp.Forward(Spec, p, batch.Inputs), batch.Targets);

    /// <summary>
    /// One training step: loss and gradients at the current params, then the optimizer update. Pure: the input state's
    /// tensors are not changed, and the returned state holds only new tensors, detached from every DisposeScope and owned
    /// by the caller. Temporaries are freed before returning. The caller decides when to dispose the old state.
    /// </summary>
    public Stepped Step(TrainState state, Batch batch)
    {
        using var scope = NewDisposeScope();
        // The loss tensor is read, never returned: no detached copy of it is made (Gradients.Compute makes one).
        var (loss, grads) = Gradients.Compute((Trainer: this, Batch: batch), state.Params, static (a, p) => a.Trainer.LossAt(p, a.Batch));
        var (p2, o2) = state.Optimizer.Update(state.Params, grads, state.Step + 1);
        double value;
        using (var scalar = loss.ToScalar()) value = scalar.ToDouble(); // disposed here, not left to the finalizer thread
        // Stryker disable once Arithmetic : only the list's initial capacity
        var keep = new List<IDisposable>(p2.Count + 3 * p2.Count);
        foreach (var t in p2.Values) keep.Add(t);
        foreach (var t in o2.TensorValues) keep.Add(t);
        scope.Detach(keep);
        return new Stepped(state with { Params = p2, Optimizer = o2, Step = state.Step + 1 }, new StepLog(value));
    }
}
