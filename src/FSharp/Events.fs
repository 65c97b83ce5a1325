namespace Functional.FSharp

open Functional.Training

/// Why a run stopped: the core's <c>StopReason</c> as a union, so a match over it is checked for coverage.
type StopReason =
    /// Every epoch of the plan ran.
    | Completed
    /// The run was asked to stop (the predicate of <c>Train.runUntil</c> or <c>Train.foldUntil</c>, or a cancellation) and
    /// stopped after the step it was taking.
    | Stopped
    /// A single model's loss turned NaN or infinite (an ensemble never stops for one member). The last finite step loss
    /// before it, or None when the first step already diverged.
    | Diverged of lastFiniteLoss: float option

/// <summary>
/// What a run yields, for single models and ensembles alike: the core's events (<c>Loop.Run</c>) as one union, with
/// options where a value may be missing. In order: a <c>Step</c> per optimizer step; per epoch an <c>Epoch</c> (one model) or
/// a <c>MemberEpoch</c> (an ensemble) then a <c>Checkpoint</c>; and last, always, <c>Done</c>.
/// </summary>
/// <remarks>
/// Ownership: a <c>Checkpoint</c>'s state is lent, valid only while its event is being handled (<c>state.Clone()</c> keeps a
/// copy you own); the <c>Done</c> state is the run's final state, which <c>Train.fold</c>/<c>runUntil</c> also return, and
/// the caller owns and disposes it.
/// </remarks>
type TrainEvent =
    /// One optimizer step: epoch from 1, batch from 0, the loss before the update (an ensemble: the members' mean, and
    /// each member's loss in memberLosses).
    | Step of epoch: int * batch: int * loss: float * memberLosses: float list option
    /// One finished epoch of a single model: the mean training loss of its steps, and the validation loss and accuracy
    /// where the plan evaluates them.
    | Epoch of epoch: int * loss: float * valLoss: float option * accuracy: float option
    /// One finished epoch of an ensemble, one value per member (non-finite for a member that diverged).
    | MemberEpoch of epoch: int * loss: float list * valLoss: float list option * accuracy: float list option
    /// The state at the end of an epoch (lent: valid while this event is handled), and where a resumed run would continue.
    | Checkpoint of state: TrainState * next: Position
    /// The end of the run: its final state (the caller's), where a resumed run would continue, and why it stopped.
    | Done of state: TrainState * next: Position * reason: StopReason

/// Conversions from the core's stop reasons.
module StopReason =
    /// The core's <c>StopReason</c> as the union (its <c>Cancelled</c> is <c>Stopped</c>).
    let ofCore (reason: Functional.Training.StopReason) : StopReason =
        match reason with
        | :? Functional.Training.StopReason.Completed -> Completed
        | :? Functional.Training.StopReason.Cancelled -> Stopped
        | :? Functional.Training.StopReason.Diverged as d -> Diverged(Option.ofNullable d.LastFiniteLoss)
        | other -> invalidArg (nameof reason) $"the F# face does not know the core's stop reason {other.GetType().Name}: map it in StopReason.ofCore"

/// Conversions from the core's events.
module TrainEvent =
    let private listOf (values: System.Collections.Generic.IReadOnlyList<float> | null) = values |> Option.ofObj |> Option.map List.ofSeq

    /// <summary>
    /// The core's event (<c>Functional.Training.TrainEvent</c>, as <c>Loop.Run</c> yields them) as the union. Every event type
    /// of the core maps; one this face does not know yet is an <c>ArgumentException</c> naming it (a test guards the set).
    /// </summary>
    let ofCore (event: Functional.Training.TrainEvent) : TrainEvent =
        match event with
        | :? StepEvent as s -> Step(s.Epoch, s.Batch, s.Loss, listOf s.MemberLosses)
        | :? EpochEvent as e -> Epoch(e.Epoch, e.Loss, Option.ofNullable e.ValLoss, Option.ofNullable e.Accuracy)
        | :? MemberEpochEvent as m -> MemberEpoch(m.Epoch, List.ofSeq m.Loss, listOf m.ValLoss, listOf m.Accuracy)
        | :? EpochEnd as c -> Checkpoint(c.State, c.Next)
        | :? Finished as f -> Done(f.State, f.Next, StopReason.ofCore f.Reason)
        | other -> invalidArg (nameof event) $"the F# face does not know the core's event {other.GetType().Name}: map it in TrainEvent.ofCore"
