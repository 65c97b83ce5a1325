using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training;

/// <summary>How a run is driven: epoch count, the data of each epoch, an optional per-epoch evaluation and a start position.</summary>
/// <param name="Epochs">Total number of epochs (the run ends after epoch <c>Epochs</c>).</param>
/// <param name="Data">Draws one epoch's batches from the run's Rng; called with the epoch number (from 1). Must be pure.</param>
public sealed record RunPlan(int Epochs, Func<int, Rng, EpochData> Data)
{
    /// <summary>Evaluated after each epoch's steps, under no_grad (e.g. validation loss and accuracy).</summary>
    public Func<Params, Evaluation>? Evaluate { get; init; }
    /// <summary>Where to start: <see cref="Position.Start"/>, or a position saved by an earlier, interrupted run.</summary>
    public Position Start { get; init; } = Position.Start;
}

/// <summary>The training loop as a fold over epochs and batches that yields its log as data.</summary>
public static class Loop
{
    /// <summary>
    /// Runs <paramref name="plan"/> from <paramref name="initial"/>, yielding a <see cref="StepEvent"/> per step, an
    /// <see cref="EpochEvent"/> and <see cref="EpochEnd"/> per epoch, and always a final <see cref="Finished"/> whose state
    /// the consumer then owns. The run takes ownership of <paramref name="initial"/>: every state, the initial one
    /// included, is disposed as soon as it is replaced (or when the consumer stops early), so memory stays flat however
    /// long the run. To keep the initial params, pass a clone. Cancellation is checked
    /// between steps: the current step always completes. A NaN or infinite loss ends the run as diverged.
    /// </summary>
    public static IEnumerable<TrainEvent> Run(Trainer trainer, TrainState initial, RunPlan plan, CancellationToken cancel = default)
    {
        if (plan.Epochs <= 0) throw new ArgumentException($"epochs must be positive, got {plan.Epochs}");
        var state = initial;
        var handedOver = false;
        double? lastFinite = null;
        try
        {
            for (var epoch = plan.Start.Epoch; epoch <= plan.Epochs; epoch++)
            {
                var first = epoch == plan.Start.Epoch ? plan.Start.Batch : 0;
                var lossSum = epoch == plan.Start.Epoch ? plan.Start.EpochLossSum : 0;
                using var epochScope = NewDisposeScope();
                var data = plan.Data(epoch, state.Rng);
                for (var b = first; b < data.Batches.Count; b++)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        handedOver = true;
                        yield return new Finished(state, new Position(epoch, b, lossSum), StopReason.Cancelled);
                        yield break;
                    }
                    var (next, log) = trainer.Step(state, data.Batches[b]);
                    next.DetachFromDisposeScope();
                    state.Dispose();
                    state = next;
                    yield return new StepEvent(epoch, b, log.Loss);
                    if (!double.IsFinite(log.Loss))
                    {
                        handedOver = true;
                        yield return new Finished(state, new Position(epoch, b + 1, lossSum + log.Loss), StopReason.Diverged, lastFinite);
                        yield break;
                    }
                    lastFinite = log.Loss;
                    lossSum += log.Loss;
                }
                Evaluation? eval = null;
                if (plan.Evaluate is { } evaluate)
                    using (no_grad())
                        eval = evaluate(state.Params);
                state = state with { Rng = data.Rng };
                yield return new EpochEvent(epoch, lossSum / data.Batches.Count, eval?.Loss, eval?.Accuracy);
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
