// The core as an F# library: a spec as a value, a seeded init, XOR trained by folding the pure step over epochs, and a
// small ensemble trained as one batched computation. No shell, no mutable variables. The part between the README
// markers is the README's F# example, word for word (a test checks).
open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Ensembles
open Functional.Training.Optimizers

/// The fraction of rows whose output, rounded, equals the target, per leading member: a [K] tensor.
let accuracy (output: torch.Tensor) (targets: torch.Tensor) =
    output.round().eq(targets).to_type(torch.ScalarType.Float32).flatten(1L).mean([| 1L |])

// README:begin
/// One pure step as a curried function, so a run reads as a pipeline: state |> step trainer batch.
let step (trainer: Trainer) batch state = trainer.Step(state, batch)

/// The pure step folded over epochs (one full batch each): every state is disposed once the next exists.
let train trainer batch epochs (initial: TrainState) =
    ((initial, []), seq { 1..epochs })
    ||> Seq.fold (fun (state: TrainState, losses) _ ->
        use _previous = state
        let stepped = state |> step trainer batch
        stepped.State, stepped.Log.Loss :: losses)

// A spec is an immutable value: named arguments to build it, With(...) for a changed copy.
let baseSpec = MlpSpec(inputs = 2, hidden = [ 2 ], outputs = 1, hiddenActivation = Activation.Tanh(), head = Activation.Sigmoid())
let spec = baseSpec.With(hidden = [ 4 ])
let inputs = torch.tensor([| 0.f; 0.f; 0.f; 1.f; 1.f; 0.f; 1.f; 1.f |]).reshape(4L, 2L) // the XOR truth table
let targets = torch.tensor([| 0.f; 1.f; 1.f; 0.f |]).reshape(4L, 1L)
let initial = Init.Initialize(spec, Rng.Seed 7L) // randomness is a value: params and the Rng after the draws
let trainer = Trainer(spec, Loss.Mse(), Sgd(Lr = 0.5))
let final, losses = trainer.Start(initial.Value, initial.Rng) |> train trainer (Batch(inputs, targets)) 1000
// README:end

printfn "spec %O (from %O)" spec baseSpec
losses |> List.rev |> List.iteri (fun i loss -> if (i + 1) % 250 = 0 then printfn "epoch %4d  loss %.6f" (i + 1) loss)
let outputs =
    use _ = torch.no_grad()
    Mlp.Forward(spec, final.Params, inputs)
for row in 0L .. 3L do
    printfn "%g xor %g -> %.4f" (inputs[row, 0L].item<float32>()) (inputs[row, 1L].item<float32>()) (outputs[row, 0L].item<float32>())
let xorAccuracy = accuracy (outputs.unsqueeze(0L)) (targets.unsqueeze(0L))
printfn "xor accuracy %.0f%%" (100.f * xorAccuracy[0L].item<float32>())
final.Dispose()

// An ensemble: K members of one spec, each from its own seed, stacked along a leading model dimension and trained as
// one batched computation, here each with its own learning rate. Member k equals a single run from its seed and rate.
// An optimizer is a value, validated when built (a negative rate throws here), and a chain of small transforms.
let seeds = [ 1L; 2L; 3L; 4L ]
let members = seeds |> List.map (fun s -> Init.Initialize(spec, Rng.Seed s).Value)
let stacked = Ensemble.Stack members
members |> List.iter (fun p -> p.Dispose())
let k = int64 seeds.Length
let ensembleBatch = Batch(inputs.expand(k, 4L, 2L).contiguous(), targets.expand(k, 4L, 1L).contiguous())
let perMember = Sgd(Lr = LearningRate.PerMember [ 0.5; 0.5; 1.0; 1.0 ], Momentum = 0.5)
printfn "ensemble optimizer %O = %O" perMember perMember.Transform
let ensemble = EnsembleTrainer(spec, Loss.Mse(), perMember)
let ensembleFinal =
    (ensemble.Start(stacked, Rng.Seed 0L), seq { 1..1000 })
    ||> Seq.fold (fun state _ ->
        use _previous = state
        ensemble.Step(state, ensembleBatch).State) // its log also holds each member's loss
let memberAccuracy =
    use _ = torch.no_grad()
    accuracy (ensemble.Forward(ensembleFinal.Params, ensembleBatch.Inputs)) ensembleBatch.Targets
seeds |> List.iteri (fun i s -> printfn "ensemble member %d (seed %d) accuracy %.0f%%" i s (100.f * memberAccuracy[int64 i].item<float32>()))
ensembleFinal.Dispose()
