using Functional.Model;

namespace Functional.Training;

/// <summary>Where a run stands: the epoch (from 1) and the next batch index within it, with the losses summed so far in that epoch.</summary>
public sealed record Position(int Epoch, int Batch, double EpochLossSum = 0)
{
    /// <summary>The start of a run.</summary>
    public static Position Start { get; } = new(1, 0);
}

/// <summary>Why a run stopped.</summary>
public enum StopReason
{
    /// <summary>All epochs ran.</summary>
    Completed,
    /// <summary>Cancellation was requested; the run stopped after the current step.</summary>
    Cancelled,
    /// <summary>A loss was NaN or infinite.</summary>
    Diverged,
}

/// <summary>What a training run yields, as data: the shell renders these, tests compare them, <c>--log</c> writes them.</summary>
public abstract record TrainEvent;

/// <summary>One optimizer step: epoch from 1, batch from 0 within the epoch, and the loss before the update.</summary>
public sealed record StepEvent(int Epoch, int Batch, double Loss) : TrainEvent;

/// <summary>One finished epoch: mean training loss over its steps, and validation loss / accuracy where the exercise has them.</summary>
public sealed record EpochEvent(int Epoch, double Loss, double? ValLoss = null, double? Accuracy = null) : TrainEvent;

/// <summary>
/// The state at the end of an epoch, for checkpoints. It still belongs to the run: valid only until the next event is
/// requested. <see cref="Next"/> is where a resumed run would continue.
/// </summary>
public sealed record EpochEnd(TrainState State, Position Next) : TrainEvent;

/// <summary>
/// The last event of every run. Ownership of <see cref="State"/> passes to the consumer, who must dispose it.
/// <see cref="Next"/> is where a resumed run would continue; <see cref="LastFiniteLoss"/> is set when the run diverged.
/// </summary>
public sealed record Finished(TrainState State, Position Next, StopReason Reason, double? LastFiniteLoss = null) : TrainEvent;

/// <summary>The data of one epoch and the Rng after drawing it (unchanged when nothing random was drawn).</summary>
public sealed record EpochData(IReadOnlyList<Batch> Batches, Rng Rng);

/// <summary>A held-out evaluation: loss and/or accuracy (either may be absent).</summary>
public sealed record Evaluation(double? Loss, double? Accuracy);
