// The core as an F# library, through its F# face (src/FSharp): a spec as a value, a seeded init, XOR trained by folding
// over the run's events, and a small ensemble trained as one batched computation. No shell, no mutable variables, no
// type tests, no explicit Dispose: runs own their states and hand back the final one, and `use` frees what is ours. The
// part between the README markers is the README's F# example, word for word (a test checks).
open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Ensembles
open Functional.Training.Optimizers
open Functional.FSharp // after Functional.Training: its TrainEvent and StopReason are the F# ones

/// The fraction of rows whose output, rounded, equals the target, per leading member: a [K] tensor.
let accuracy (output: torch.Tensor) (targets: torch.Tensor) =
    use _ = torch.NewDisposeScope()
    output.round().eq(targets).to_type(torch.ScalarType.Float32).flatten(1L).mean([| 1L |]).MoveToOuterDisposeScope()

// README:begin
// A spec is an immutable value: named arguments to build it, With(...) for a changed copy.
let baseSpec = MlpSpec(inputs = 2, hidden = [ 2 ], outputs = 1, hiddenActivation = Activation.Tanh(), head = Activation.Sigmoid())
let spec = baseSpec.With(hidden = [ 4 ])

/// Each step's loss, newest first: a fold over a run's events keeps what it needs, in a match the compiler checks.
let collectLosses losses event =
    match event with
    | Step(loss = loss) -> loss :: losses
    | Epoch _ | MemberEpoch _ | Checkpoint _ | Done _ -> losses

/// XOR by 1000 full-batch SGD steps. The run disposes every state but its final one, which it hands back with the
/// folded losses and why it stopped.
let trainXor batch =
    let (Drawn(initialParams, rng)) = Init.Initialize(spec, Rng.Seed 7L) // randomness is a value: params and the Rng after the draws
    let trainer = Trainer(spec, Loss.Mse(), Sgd(Lr = 0.5))
    Train.start trainer initialParams rng |> Train.fold collectLosses [] (RunPlan.fullBatch 1000 batch) trainer

[<EntryPoint>]
let main _ =
    use inputs = torch.tensor([| 0.f; 0.f; 0.f; 1.f; 1.f; 0.f; 1.f; 1.f |]).reshape(4L, 2L) // the XOR truth table
    use targets = torch.tensor([| 0.f; 1.f; 1.f; 0.f |]).reshape(4L, 1L)
    let losses, final, _ = trainXor (Batch(inputs, targets))
    use final = final // the final state is ours
// README:end
    printfn "spec %O (from %O)" spec baseSpec
    losses |> List.rev |> List.iteri (fun i loss -> if (i + 1) % 250 = 0 then printfn "epoch %4d  loss %.6f" (i + 1) loss)
    use outputs =
        use _ = torch.no_grad()
        Mlp.Forward(spec, final.Params, inputs)
    for row in 0L .. 3L do
        printfn "%g xor %g -> %.4f" (inputs[row, 0L].item<float32>()) (inputs[row, 1L].item<float32>()) (outputs[row, 0L].item<float32>())
    use xorAccuracy = accuracy (outputs.unsqueeze 0L) (targets.unsqueeze 0L)
    printfn "xor accuracy %.0f%%" (100.f * xorAccuracy[0L].item<float32>())

    // An ensemble: K members of one spec, each from its own seed, stacked along a leading model dimension and trained
    // as one batched computation, here each with its own learning rate. Member k equals a single run from its seed and
    // rate. An optimizer is a value, validated when built (a negative rate throws here), and a chain of small transforms.
    let seeds = [ 1L; 2L; 3L; 4L ]
    use ensembleInputs = inputs |> Ensemble.replicate seeds.Length
    use ensembleTargets = targets |> Ensemble.replicate seeds.Length
    let ensembleBatch = Batch(ensembleInputs, ensembleTargets)
    let perMember = Sgd(Lr = LearningRate.PerMember [ 0.5; 0.5; 1.0; 1.0 ], Momentum = 0.5)
    printfn "ensemble optimizer %O = %O" perMember perMember.Transform
    let ensemble = EnsembleTrainer(spec, Loss.Mse(), perMember)
    let ensembleFinal, _ = // its Step events also hold each member's loss
        Train.start ensemble (Ensemble.ofSeeds spec seeds) (Rng.Seed 0L) |> Train.run (RunPlan.fullBatch 1000 ensembleBatch) ensemble
    use ensembleFinal = ensembleFinal
    use memberOutputs =
        use _ = torch.no_grad()
        ensemble.Forward(ensembleFinal.Params, ensembleInputs)
    use memberAccuracy = accuracy memberOutputs ensembleTargets
    seeds |> List.iteri (fun i seed -> printfn "ensemble member %d (seed %d) accuracy %.0f%%" i seed (100.f * memberAccuracy[int64 i].item<float32>()))
    0
