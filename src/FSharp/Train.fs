namespace Functional.FSharp

open System.Threading
open Functional.Model
open Functional.Training
open Functional.FSharp // after the core: this face's TrainEvent and StopReason, not the core's

/// <summary>
/// Training as curried functions over the core's pure step and its loop (<c>Loop.Run</c>), for single models
/// (<c>Trainer</c>) and ensembles (<c>EnsembleTrainer</c>) alike.
/// </summary>
/// <remarks>
/// Ownership, the one rule: a run (<c>fold</c>, <c>foldUntil</c>, <c>runUntil</c>, <c>run</c>) takes over the state it
/// starts from, disposes every state after it as soon as the next exists, and hands back only the final one, which the
/// caller owns and disposes (<c>use</c>). A <c>Checkpoint</c> event's state is lent for the duration of the call that
/// handles it (<c>state.Clone()</c> keeps a copy). Nothing the caller creates while handling an event is freed by the run,
/// and the caller's data tensors (a <c>Batch</c>) stay the caller's. If a handler throws, the run disposes what it owns
/// (the final state included) and the exception propagates.
/// </remarks>
module Train =
    /// A fresh state for trainer: the params (taken over, not copied: the state owns them now), a new optimizer state,
    /// step 0, and the Rng the run's data draws start from.
    let start (trainer: ITrainer) (parameters: Params) (rng: Rng) : TrainState = trainer.Start(parameters, rng)

    /// <summary>
    /// One pure step on batch: the new state and the loss before the update (an ensemble: the members' mean). Disposes
    /// nothing: state is unchanged and still yours, and the new state holds only new tensors, also yours. Folding it by
    /// hand, dispose each state once the next exists (<c>use previous = state</c>), or let <c>fold</c>/<c>runUntil</c>
    /// do it.
    /// </summary>
    let step (trainer: ITrainer) (batch: Batch) (state: TrainState) : TrainState * float =
        let stepped = trainer.Step(state, batch)
        stepped.State, stepped.Log.Loss

    // The one driver: the core's loop, each event mapped and folded, with a stop request turned into the loop's
    // cancellation (checked before each step, so the state is handed over exactly where the run stopped).
    let private drive (folder: 'S -> TrainEvent -> 'S * bool) (seed: 'S) (plan: RunPlan) (trainer: ITrainer) (initial: TrainState) =
        use cancel = new CancellationTokenSource()
        use events = (Loop.Run(trainer, initial, plan, cancel.Token)).GetEnumerator()
        let rec next acc =
            if not (events.MoveNext()) then invalidOp "Loop.Run ended without its Finished event"
            match TrainEvent.ofCore events.Current with
            | Done(state, _, reason) as finished ->
                // The final state is the caller's from here: free it if the folder fails on it.
                let acc = try fst (folder acc finished) with _ -> state.Dispose(); reraise ()
                acc, state, reason
            | event ->
                let acc, stop = folder acc event
                if stop then cancel.Cancel()
                next acc
        next seed

    /// <summary>
    /// Runs plan from initial (taken over) and folds folder over its events, stopping early once stop holds for the folded
    /// value: the run then ends before its next step (an epoch already finished still sends its Checkpoint) with Done and
    /// <c>Stopped</c>. Returns the folded value, the final state (yours, to dispose: where the run stopped) and the reason.
    /// </summary>
    let foldUntil (stop: 'S -> bool) (folder: 'S -> TrainEvent -> 'S) (seed: 'S) (plan: RunPlan) (trainer: ITrainer) (initial: TrainState)
        : 'S * TrainState * StopReason =
        drive (fun acc event -> let acc = folder acc event in acc, stop acc) seed plan trainer initial

    /// <summary>
    /// Runs plan from initial (taken over) to its end and folds folder over every event, Done last. Returns the folded
    /// value, the final state (yours, to dispose) and why the run stopped (<c>Completed</c>, or <c>Diverged</c>).
    /// </summary>
    let fold (folder: 'S -> TrainEvent -> 'S) (seed: 'S) (plan: RunPlan) (trainer: ITrainer) (initial: TrainState)
        : 'S * TrainState * StopReason =
        drive (fun acc event -> folder acc event, false) seed plan trainer initial

    /// <summary>
    /// Runs plan from initial (taken over), calling onEvent with each event, Done last, and stops early after the first
    /// event for which stop holds: the run then ends before its next step with <c>Stopped</c> (an epoch already finished
    /// still sends its Checkpoint). Returns the final state (yours, to dispose: where the run stopped) and the reason.
    /// </summary>
    let runUntil (stop: TrainEvent -> bool) (onEvent: TrainEvent -> unit) (plan: RunPlan) (trainer: ITrainer) (initial: TrainState)
        : TrainState * StopReason =
        let (), final, reason = drive (fun () event -> onEvent event; (), stop event) () plan trainer initial
        final, reason

    /// Runs plan from initial (taken over) to its end; returns the final state (yours, to dispose) and why it stopped.
    let run (plan: RunPlan) (trainer: ITrainer) (initial: TrainState) : TrainState * StopReason =
        runUntil (fun _ -> false) ignore plan trainer initial
