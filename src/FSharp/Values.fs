namespace Functional.FSharp

open System
open TorchSharp
open Functional.Model
open Functional.Training

/// Patterns over the core's values, opened with the namespace.
[<AutoOpen>]
module Patterns =
    /// <summary>
    /// A value drawn from an <c>Rng</c> and the <c>Rng</c> after the draw:
    /// <c>let (Drawn (parameters, rng)) = Init.Initialize(spec, Rng.Seed 7L)</c>.
    /// </summary>
    let (|Drawn|) (drawn: Drawn<'T>) = drawn.Value, drawn.Rng

/// <summary>
/// <c>Params</c> (named tensors, PyTorch state-dict names) as F# values. A Params owns its tensors: whoever holds it
/// disposes it (<c>use</c>), and <c>Train.start</c> takes over the one it is given.
/// </summary>
module Params =
    /// A Params from (name, tensor) pairs, in order; it takes the tensors over. Names must be distinct.
    let ofList (items: (string * torch.Tensor) list) : Params = Params.Of(List.map fst items, List.map snd items)

    /// The (name, tensor) pairs, in order. The tensors still belong to the Params.
    let toList (parameters: Params) : (string * torch.Tensor) list = List.zip (List.ofSeq parameters.Names) (List.ofSeq parameters.Values)

    /// <summary>
    /// Whether two Params have the same names, shapes and, element by element, values within <c>torch.allclose</c>'s
    /// defaults (|a − b| ≤ 1e-8 + 1e-5·|b|).
    /// </summary>
    let allClose (a: Params) (b: Params) : bool = a.AllClose(b)

    /// Like allClose with the given relative and absolute tolerances.
    let allCloseWithin (rtol: float) (atol: float) (a: Params) (b: Params) : bool = a.AllClose(b, rtol, atol)

    /// Whether two Params are equal exactly: names, dtypes, shapes and every value.
    let equal (a: Params) (b: Params) : bool = a.ValueEquals(b)

/// K models of one spec as one stacked Params (a leading member dimension), for an <c>EnsembleTrainer</c>.
module Ensemble =
    /// <summary>
    /// Member k initialised as <c>Init.Initialize(spec, Rng.Seed seeds[k])</c> (PyTorch's default init under
    /// <c>torch.manual_seed</c>), all stacked: weight [K, out, in], bias [K, out]. New tensors, the caller's (hand them
    /// to <c>Train.start</c>, which takes them over).
    /// </summary>
    let ofSeeds (spec: MlpSpec) (seeds: int64 seq) : Params =
        let members = seeds |> Seq.map (fun seed -> Init.Initialize(spec, Rng.Seed seed).Value) |> List.ofSeq
        if List.isEmpty members then invalidArg (nameof seeds) "an ensemble needs at least one seed"
        try Functional.Training.Ensembles.Ensemble.Stack members
        finally members |> List.iter (fun m -> m.Dispose())

    /// <summary>
    /// The same tensor for each of k members: a new [k, …] tensor (a copy; the caller's, to dispose) holding k copies of
    /// <c>t</c>, e.g. one batch every member trains on.
    /// </summary>
    let replicate (k: int) (t: torch.Tensor) : torch.Tensor =
        if k <= 0 then invalidArg (nameof k) $"an ensemble needs at least one member, got {k}"
        torch.stack(Array.create k t)

/// Evaluations a plan returns after each epoch, built from options.
module Evaluation =
    /// One model's validation loss and/or accuracy (None where the run has none).
    let ofModel (valLoss: float option) (accuracy: float option) : Evaluation =
        Evaluation.OfModel(Option.toNullable valLoss, Option.toNullable accuracy)

    /// An ensemble's validation losses and/or accuracies, one per member (None where the run has none).
    let ofMembers (valLoss: float list option) (accuracy: float list option) : Evaluation =
        let readOnly (values: float list option) = values |> Option.map (fun v -> Array.ofList v :> Collections.Generic.IReadOnlyList<float>) |> Option.toObj
        Evaluation.OfMembers(readOnly valLoss, readOnly accuracy)

/// <summary>
/// Building and changing a <c>RunPlan</c> (epoch count, each epoch's data, an optional evaluation, a start position) in a
/// pipeline; each function returns a changed copy.
/// </summary>
module RunPlan =
    /// <summary>
    /// A plan of <c>epochs</c> epochs whose data the function draws: given the epoch (from 1) and the run's Rng, it returns
    /// the epoch's batches and the Rng after the draw. Tensors it creates belong to the epoch: the run frees them when the
    /// epoch ends.
    /// </summary>
    let ofData (epochs: int) (data: int -> Rng -> EpochData) : RunPlan = RunPlan(epochs, Func<_, _, _> data)

    /// A plan of epochs epochs, each one step on the same full batch (which stays the caller's).
    let fullBatch (epochs: int) (batch: Batch) : RunPlan = ofData epochs (fun _ rng -> EpochData([| batch |], rng))

    /// The same plan with another epoch count.
    let withEpochs (epochs: int) (plan: RunPlan) : RunPlan = plan.With(epochs = epochs)

    /// <summary>
    /// The same plan, evaluated after each epoch's steps at the new params (under no_grad; tensors made there are freed
    /// when it returns), e.g. <c>fun p -> Evaluation.ofModel (Some validationLoss) None</c>.
    /// </summary>
    let withEvaluation (evaluate: Params -> Evaluation) (plan: RunPlan) : RunPlan =
        plan.With(evaluate = fun p rng -> Drawn<Evaluation>(evaluate p, rng))

    /// Like withEvaluation for an evaluation that draws (as iterating a PyTorch DataLoader does): it gets the run's Rng
    /// and returns the Rng after its draws.
    let withDrawingEvaluation (evaluate: Params -> Rng -> Evaluation * Rng) (plan: RunPlan) : RunPlan =
        plan.With(evaluate = fun p rng -> let value, next = evaluate p rng in Drawn<Evaluation>(value, next))

    /// The same plan, started at a position a stopped run reported (its Done's next), to resume it exactly.
    let withStart (position: Position) (plan: RunPlan) : RunPlan = plan.With(start = position)
