/// The union covers the core's events: every event type of the core maps, to the right case with the right values,
/// and every case of the union is reached. A new event type in the core fails here until the face maps it.
module Functional.FSharpTests.EventTests

open System.Collections.Generic
open Microsoft.FSharp.Reflection
open Xunit
open FsCheck
open FsCheck.Xunit
open Functional.Model
open Functional.Training
open Functional.FSharp
open Functional.FSharpTests.Support

let private readOnly (values: float list option) : IReadOnlyList<float> | null =
    values |> Option.map (fun v -> Array.ofList v :> IReadOnlyList<float>) |> Option.toObj

/// One instance of every concrete core event type (some twice), with the union value each must map to.
let private samples (state: TrainState) : (Functional.Training.TrainEvent * TrainEvent) list =
    let next = Position(3, 0)
    [ StepEvent(1, 0, 0.5), Step(1, 0, 0.5, None)
      StepEvent(2, 3, 0.25, MemberLosses = readOnly (Some [ 0.5; 0.0 ])), Step(2, 3, 0.25, Some [ 0.5; 0.0 ])
      EpochEvent(1, 0.5), Epoch(1, 0.5, None, None)
      EpochEvent(2, 0.5, 0.75, 0.9), Epoch(2, 0.5, Some 0.75, Some 0.9)
      MemberEpochEvent(1, [| 0.5; 1.5 |]), MemberEpoch(1, [ 0.5; 1.5 ], None, None)
      MemberEpochEvent(1, [| 0.5 |], Accuracy = readOnly (Some [ 1.0 ])), MemberEpoch(1, [ 0.5 ], None, Some [ 1.0 ])
      EpochEnd(state, next), Checkpoint(state, next)
      Finished(state, next, Functional.Training.StopReason.Completed()), Done(state, next, Completed)
      Finished(state, next, Functional.Training.StopReason.Cancelled()), Done(state, next, Stopped)
      Finished(state, next, Functional.Training.StopReason.Diverged(0.125)), Done(state, next, Diverged(Some 0.125))
      Finished(state, next, Functional.Training.StopReason.Diverged(System.Nullable())), Done(state, next, Diverged None) ]

let private concreteSubtypes<'T> () =
    typeof<'T>.Assembly.GetTypes()
    |> Array.filter (fun t -> t.IsSubclassOf typeof<'T> && not t.IsAbstract)
    |> Array.map string
    |> Set.ofArray

let private caseName (value: obj) (unionType: System.Type) = (fst (FSharpValue.GetUnionFields(value, unionType))).Name

[<Fact>]
let ``every event type of the core maps to its case and every case is reached`` () =
    use s = setup 1L
    use state = initial s 1L
    let cases = samples state
    let sampled = cases |> List.map (fun (core, _) -> string (core.GetType())) |> Set.ofList
    let missing = Set.difference (concreteSubtypes<Functional.Training.TrainEvent> ()) sampled
    Assert.True(missing.IsEmpty, $"the core has event types the F# face does not map yet (TrainEvent.ofCore, and a sample here): %A{missing}")
    for core, expected in cases do
        Assert.Equal(expected, TrainEvent.ofCore core)
    let reached = cases |> List.map (fun (_, e) -> caseName e typeof<TrainEvent>) |> Set.ofList
    let all = FSharpType.GetUnionCases typeof<TrainEvent> |> Array.map _.Name |> Set.ofArray
    Assert.Equal<Set<string>>(all, reached)

[<Fact>]
let ``every stop reason of the core maps and every case is reached`` () =
    let reasons: Functional.Training.StopReason list =
        [ Functional.Training.StopReason.Completed()
          Functional.Training.StopReason.Cancelled()
          Functional.Training.StopReason.Diverged(1.5)
          Functional.Training.StopReason.Diverged(System.Nullable()) ]
    let sampled = reasons |> List.map (fun r -> string (r.GetType())) |> Set.ofList
    Assert.Equal<Set<string>>(concreteSubtypes<Functional.Training.StopReason> (), sampled)
    Assert.Equal<StopReason list>([ Completed; Stopped; Diverged(Some 1.5); Diverged None ], reasons |> List.map StopReason.ofCore)
    let all = FSharpType.GetUnionCases typeof<StopReason> |> Array.map _.Name |> Set.ofArray
    Assert.Equal<Set<string>>(all, reasons |> List.map (fun r -> caseName (StopReason.ofCore r) typeof<StopReason>) |> Set.ofList)

let private values (xs: NormalFloat list) = xs |> List.map (fun (NormalFloat x) -> x)

[<Property>]
let ``a step keeps its numbers and its member losses`` (epoch: int) (batch: int) (NormalFloat loss) (members: NormalFloat list option) =
    let members = members |> Option.map values
    TrainEvent.ofCore (StepEvent(epoch, batch, loss, MemberLosses = readOnly members)) = Step(epoch, batch, loss, members)

[<Property>]
let ``an epoch keeps its numbers, with options where the plan evaluates nothing`` (epoch: int) (NormalFloat loss) (valLoss: NormalFloat option) (accuracy: NormalFloat option) =
    let valLoss, accuracy = valLoss |> Option.map _.Get, accuracy |> Option.map _.Get
    TrainEvent.ofCore (EpochEvent(epoch, loss, Option.toNullable valLoss, Option.toNullable accuracy)) = Epoch(epoch, loss, valLoss, accuracy)

[<Property>]
let ``a member epoch keeps every member's numbers`` (epoch: int) (losses: NormalFloat list) (valLoss: NormalFloat list option) (accuracy: NormalFloat list option) =
    let losses, valLoss, accuracy = values losses, valLoss |> Option.map values, accuracy |> Option.map values
    TrainEvent.ofCore (MemberEpochEvent(epoch, Array.ofList losses, readOnly valLoss, readOnly accuracy)) = MemberEpoch(epoch, losses, valLoss, accuracy)

[<Property>]
let ``a divergence keeps its last finite loss`` (last: NormalFloat option) =
    let last = last |> Option.map _.Get
    StopReason.ofCore (Functional.Training.StopReason.Diverged(Option.toNullable last)) = Diverged last
