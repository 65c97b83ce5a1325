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

    /// <summary>Takes every tensor out of any DisposeScope, so the state lives until its owner disposes it. Returns this.</summary>
    public TrainState DetachFromDisposeScope()
    {
        Params.DetachFromDisposeScope();
        foreach (var t in Optimizer.TensorValues) t.DetachFromDisposeScope();
        return this;
    }
}

/// <summary>What one step reports: the loss at the params before the update (NaN or infinite when the step diverged).</summary>
public sealed record StepLog(double Loss);

/// <summary>
/// The state after one step and its log. <see cref="State"/> holds only new tensors, owned by the caller; the state the
/// step started from is unchanged and still belongs to its owner, who disposes it once it is no longer needed.
/// </summary>
public sealed record Stepped(TrainState State, StepLog Log);

/// <summary>
/// A training setup: the model spec, the loss and the optimizer. <see cref="Step"/> is the pure training step.
/// </summary>
public sealed record Trainer(MlpSpec Spec, Loss Loss, Optimizer Optimizer)
{
    /// <summary>A fresh state: params from <paramref name="p"/> (taken over, not copied), a new optimizer state, step 0.</summary>
    public TrainState Start(Params p, Rng rng) => new(p, Optimizer.Init(p), 0, rng);

    /// <summary>The loss of the spec's output on <paramref name="batch"/> at params <paramref name="p"/>.</summary>
    public Tensor LossAt(Params p, Batch batch) => Loss.Compute(Mlp.Forward(Spec, p, batch.Inputs), batch.Targets);

    /// <summary>
    /// One training step: loss and gradients at the current params, then the optimizer update. Pure: the input state's
    /// tensors are not changed, and the returned state holds only new tensors (in the caller's DisposeScope, if any).
    /// Temporaries are freed before returning. The caller decides when to dispose the old state.
    /// </summary>
    public Stepped Step(TrainState state, Batch batch)
    {
        using var scope = NewDisposeScope();
        // The loss tensor is read, never returned: no detached copy of it is made (Gradients.Compute makes one).
        var (loss, grads) = Gradients.Compute((Trainer: this, Batch: batch), state.Params, static (a, p) => a.Trainer.LossAt(p, a.Batch));
        var (p2, o2) = state.Optimizer.Update(state.Params, grads, state.Step + 1);
        double value;
        using (var scalar = loss.ToScalar()) value = scalar.ToDouble(); // disposed here, not left to the finalizer thread
        var keep = new List<IDisposable>(p2.Count + 3 * p2.Count);
        foreach (var t in p2.Values) keep.Add(t);
        foreach (var t in o2.TensorValues) keep.Add(t);
        scope.MoveToOuter(keep);
        return new Stepped(state with { Params = p2, Optimizer = o2, Step = state.Step + 1 }, new StepLog(value));
    }
}
