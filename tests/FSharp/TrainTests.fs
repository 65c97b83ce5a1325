/// The curried runs own disposal: every state but the final one is freed (the live-tensor count returns to where it
/// was), a stop keeps the state where the run stopped, and a handler that throws leaves nothing behind.
module Functional.FSharpTests.TrainTests

open System
open Xunit
open FsCheck
open FsCheck.Xunit
open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Optimizers
open Functional.FSharp
open Functional.FSharpTests.Support

// The global step after a Step event of a plan with 3 batches per epoch.
let private stepNumber epoch batch = (epoch - 1) * 3 + batch + 1

[<Property>]
let ``fold frees every state but the final one and its epochs' data, at any length`` (PositiveInt epochs) (ensemble: bool) =
    let epochs = 1 + epochs % 5
    use s = setup 3L
    let before = liveTensors ()
    let trainer, start, plan =
        if ensemble then
            let trainer, start = ensembleStart s 3
            trainer :> ITrainer, start, ensemblePlan s 3 epochs
        else s.Trainer :> ITrainer, initial s 5L, shuffledPlan s epochs
    let counts, final, reason =
        start |> Train.fold (fun counts event -> match event with Checkpoint _ -> liveTensors () :: counts | _ -> counts) [] plan trainer
    let atEnd = liveTensors ()
    final.Dispose()
    Assert.Equal(Completed, reason)
    Assert.Equal(epochs, counts.Length)
    Assert.All(counts, fun c -> Assert.Equal(List.head counts, c)) // flat: one state alive at every epoch's end
    Assert.Equal(List.head counts, atEnd) // and after the run, only the final one
    Assert.Equal(before, liveTensors ())

[<Property>]
let ``runUntil stops right after the step its predicate names, with exactly that state`` (PositiveInt stopAt) =
    let total = 4 * 3
    let stopAt = 1 + stopAt % total
    use s = setup 3L
    let batches = fixedBatches s
    let byHand =
        Seq.init stopAt (fun i -> batches[i % 3])
        |> Seq.fold (fun state batch -> use _previous = state in fst (Train.step s.Trainer batch state)) (initial s 5L)
    use byHand = byHand
    let before = liveTensors ()
    let final, reason =
        initial s 5L
        |> Train.runUntil (function Step(epoch, batch, _, _) -> stepNumber epoch batch = stopAt | _ -> false) ignore (fixedPlan batches 4) s.Trainer
    use final = final
    Assert.Equal(int64 stopAt, final.Step)
    Assert.True(Params.equal byHand.Params final.Params)
    Assert.Equal((if stopAt = total then Completed else Stopped), reason)
    Assert.Equal(before + int64 (final.Params.Count + Seq.length final.Optimizer.Tensors), liveTensors ())

[<Property>]
let ``a stopped run resumed from its Done position ends where one uninterrupted run ends`` (PositiveInt stopAt) =
    let stopAt = 1 + stopAt % 11
    use s = setup 3L
    let plan = shuffledPlan s 4
    let whole, _ = initial s 5L |> Train.run plan s.Trainer
    use whole = whole
    let stepsUntilStop, stopped, reason =
        initial s 5L
        |> Train.foldUntil (fun (steps, _) -> steps = stopAt) (fun (steps, next) event ->
            match event with
            | Step _ -> steps + 1, next
            | Done(_, position, _) -> steps, Some position
            | _ -> steps, next) (0, None) plan s.Trainer
    Assert.Equal(Stopped, reason)
    Assert.Equal(stopAt, fst stepsUntilStop)
    let resumed, _ = stopped |> Train.run (plan |> RunPlan.withStart (snd stepsUntilStop).Value) s.Trainer
    use resumed = resumed
    Assert.True(Params.equal whole.Params resumed.Params)
    Assert.Equal(whole.Step, resumed.Step)

[<Fact>]
let ``a stop at an epoch still sends that epoch's checkpoint, then Done before the next step`` () =
    use s = setup 3L
    let events, final, reason =
        initial s 5L
        |> Train.foldUntil
            (fun events -> match events with Epoch(epoch = 2) :: _ -> true | _ -> false)
            (fun events event -> event :: events) [] (shuffledPlan s 5) s.Trainer
    use final = final
    Assert.Equal(Stopped, reason)
    Assert.Equal(6L, final.Step)
    match events with
    | Done(state, next, Stopped) :: Checkpoint(_, checkpointNext) :: Epoch(epoch = 2) :: _ ->
        Assert.Same(final, state)
        Assert.Equal(Position(3, 0), checkpointNext)
        Assert.Equal(Position(3, 0), next)
    | other -> failwith $"unexpected last events: %A{List.truncate 3 other}"

[<Fact>]
let ``a handler that throws anywhere leaves no tensor behind and the exception reaches the caller`` () =
    use s = setup 3L
    let plan = shuffledPlan s 2
    // 2 epochs: 3 steps, an epoch, a checkpoint, each twice, then Done: 11 events. Throw at each in turn.
    for throwAt in 1..11 do
        let before = liveTensors ()
        let e =
            Assert.Throws<InvalidOperationException>(fun () ->
                initial s 5L |> Train.fold (fun seen _ -> if seen + 1 = throwAt then invalidOp "handler failed" else seen + 1) 0 plan s.Trainer |> ignore)
        Assert.Equal("handler failed", e.Message)
        Assert.True((before = liveTensors ()), $"throwing at event {throwAt} left {liveTensors () - before} tensors alive")

[<Fact>]
let ``a checkpoint's state is lent: a clone taken while handling it is the caller's and outlives the run`` () =
    use s = setup 3L
    let clones, final, _ =
        initial s 5L |> Train.fold (fun kept event -> match event with Checkpoint(state, _) -> state.Clone() :: kept | _ -> kept) [] (shuffledPlan s 3) s.Trainer
    use final = final
    Assert.Equal<int64 list>([ 9L; 6L; 3L ], clones |> List.map _.Step)
    Assert.True(Params.equal (List.head clones).Params final.Params) // the last epoch's end is the final state
    Assert.All(clones, fun c -> Assert.False(c.Params.Values |> Seq.exists _.IsInvalid))
    clones |> List.iter (fun c -> (c :> IDisposable).Dispose())

[<Fact>]
let ``step is pure: the state it is given stays valid and unchanged, and both are the caller's`` () =
    use s = setup 3L
    use state = initial s 5L
    let copy = state.Params.Clone()
    use copy = copy
    let batch = List.head (fixedBatches s)
    let next, loss = Train.step s.Trainer batch state
    use next = next
    Assert.True(Params.equal copy state.Params)
    Assert.Equal(0L, state.Step)
    Assert.Equal(1L, next.Step)
    Assert.False(Params.equal state.Params next.Params)
    let viaCore = s.Trainer.Step(state, batch)
    use _ = viaCore.State
    Assert.Equal(viaCore.Log.Loss, loss)
    Assert.True(Params.equal viaCore.State.Params next.Params)

[<Fact>]
let ``a diverging run is Done with the last finite loss`` () =
    use s = setup 3L
    let trainer = Trainer(s.Spec, Loss.Mse(), Sgd(Lr = 1e3))
    let (Drawn(p, rng)) = Init.Initialize(s.Spec, Rng.Seed 5L)
    let losses, final, reason =
        Train.start trainer p rng |> Train.fold (fun losses event -> match event with Step(loss = l) -> l :: losses | _ -> losses) [] (RunPlan.fullBatch 50 (Batch(s.Inputs, s.Targets))) trainer
    use final = final
    Assert.False(Double.IsFinite(List.head losses))
    Assert.True(losses.Length < 50)
    Assert.Equal(Diverged(Some losses[1]), reason)

[<Fact>]
let ``an ensemble run reports every member at every step and epoch`` () =
    use s = setup 3L
    let trainer, start = ensembleStart s 4
    let events, final, reason = start |> Train.fold (fun events event -> event :: events) [] (ensemblePlan s 4 2) trainer
    use final = final
    Assert.Equal(Completed, reason)
    let steps = events |> List.choose (function Step(memberLosses = Some losses) -> Some losses | _ -> None)
    Assert.Equal(2, steps.Length)
    Assert.All(steps, fun losses -> Assert.Equal(4, losses.Length))
    let epochs = events |> List.choose (function MemberEpoch(loss = losses) -> Some losses | _ -> None)
    Assert.Equal<float list list>(steps, epochs) // one step per epoch: the epoch's mean is that step's loss
    Assert.DoesNotContain(events, fun e -> match e with Epoch _ -> true | _ -> false)
