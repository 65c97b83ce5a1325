/// The value helpers: the Drawn pattern, Params as lists, exact and close comparison, ensembles from seeds, replicated
/// tensors, and plans whose evaluations give options.
module Functional.FSharpTests.ValueTests

open Xunit
open FsCheck
open FsCheck.Xunit
open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Ensembles
open Functional.FSharp
open Functional.FSharpTests.Support

[<Property>]
let ``the Drawn pattern gives the value and the Rng after the draw`` (seed: int64) =
    let drawn = (Rng.Seed seed).Rand(3L)
    let (Drawn(value, rng)) = drawn
    use _ = value
    obj.ReferenceEquals(value, drawn.Value) && rng = drawn.Rng && rng <> Rng.Seed seed

[<Fact>]
let ``Params are lists of named tensors both ways, compared exactly or within a tolerance`` () =
    use w = torch.tensor([| 1.0; 2.0 |])
    use b = torch.tensor([| 0.5 |])
    use p = Params.ofList [ "w", w.alias(); "b", b.alias() ]
    Assert.Equal<string list>([ "w"; "b" ], Params.toList p |> List.map fst)
    Assert.True(Params.toList p |> List.forall (fun (name, t) -> obj.ReferenceEquals(t, p[name])))
    use same = Params.ofList [ "w", torch.tensor([| 1.0; 2.0 |]); "b", torch.tensor([| 0.5 |]) ]
    use near = Params.ofList [ "w", torch.tensor([| 1.0; 2.0 + 1e-9 |]); "b", torch.tensor([| 0.5 |]) ]
    use far = Params.ofList [ "w", torch.tensor([| 1.0; 2.001 |]); "b", torch.tensor([| 0.5 |]) ]
    Assert.True(Params.equal p same)
    Assert.False(Params.equal p near)
    Assert.True(Params.allClose p near)
    Assert.False(Params.allClose p far)
    Assert.True(Params.allCloseWithin 1e-3 0.0 p far)
    Assert.Throws<System.ArgumentException>(fun () -> Params.ofList [ "w", w.alias(); "w", b.alias() ] |> ignore) |> ignore

[<Property>]
let ``an ensemble of seeds stacks member k as initialised from seed k, and frees the members`` (seeds: int64 list) =
    let seeds = (0L :: seeds) |> List.truncate 6
    use s = setup 1L
    let before = liveTensors ()
    use stacked = Ensemble.ofSeeds s.Spec seeds
    Assert.Equal(before + int64 stacked.Count, liveTensors ()) // only the stacked tensors remain
    seeds
    |> List.iteri (fun k seed ->
        use single = Init.Initialize(s.Spec, Rng.Seed seed).Value
        use memberK = Ensemble.Member(stacked, k)
        Assert.True(Params.equal single memberK))

[<Fact>]
let ``replicate gives a new tensor with k copies along a leading dimension`` () =
    use t = torch.tensor([| 1.f; 2.f; 3.f; 4.f |]).reshape(2L, 2L)
    use r = Ensemble.replicate 3 t
    Assert.Equal<int64 array>([| 3L; 2L; 2L |], r.shape)
    for k in 0L .. 2L do
        use slice = r[k]
        Assert.True(slice.Equals(t))
    use one = Ensemble.replicate 1 t
    Assert.False(obj.ReferenceEquals(one, t))
    Assert.Throws<System.ArgumentException>(fun () -> Ensemble.replicate 0 t |> ignore) |> ignore
    Assert.Throws<System.ArgumentException>(fun () -> Ensemble.ofSeeds (setup 1L).Spec [] |> ignore) |> ignore

[<Fact>]
let ``a plan's evaluation gives options: Some where it evaluates, None where it does not`` () =
    use s = setup 3L
    let batch = Batch(s.Inputs, s.Targets)
    let epochsOf plan =
        let epochs, final, _ = initial s 5L |> Train.fold (fun found event -> match event with Epoch _ -> event :: found | _ -> found) [] plan s.Trainer
        use _ = final
        List.rev epochs
    let plain = RunPlan.fullBatch 2 batch
    Assert.All(epochsOf plain, fun e -> match e with Epoch(valLoss = None; accuracy = None) -> () | other -> failwith $"{other}")
    let withLoss =
        plain |> RunPlan.withEvaluation (fun p -> Evaluation.ofModel (Some(s.Trainer.LossAt(p, batch).item<float32>() |> float)) None)
    match epochsOf withLoss with
    | [ Epoch(epoch = 1; valLoss = Some first; accuracy = None); Epoch(epoch = 2; valLoss = Some second; accuracy = None) ] ->
        Assert.True(second < first, $"the loss after two Adam steps ({second}) is below the loss after one ({first})")
    | other -> failwith $"%A{other}"
    Assert.Equal(5, (plain |> RunPlan.withEpochs 5).Epochs)

[<Fact>]
let ``an ensemble's evaluation gives one value per member`` () =
    use s = setup 3L
    let trainer, start = ensembleStart s 2
    let plan =
        ensemblePlan s 2 1
        |> RunPlan.withDrawingEvaluation (fun _ rng -> Evaluation.ofMembers None (Some [ 0.25; 0.75 ]), rng)
    let epochs, final, _ = start |> Train.fold (fun found event -> match event with MemberEpoch _ -> event :: found | _ -> found) [] plan trainer
    use _ = final
    match epochs with
    | [ MemberEpoch(valLoss = None; accuracy = Some [ 0.25; 0.75 ]) ] -> ()
    | other -> failwith $"%A{other}"
