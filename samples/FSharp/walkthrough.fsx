// The core from F# Interactive, through its F# face (src/FSharp). Build once, then run the script from anywhere:
//
//   dotnet build Functional.sln -c Release
//   dotnet fsi samples/FSharp/walkthrough.fsx
//
// A spec and a changed copy; XOR with Adam, stopped as soon as it is learned; an evaluation with optional values; an
// 8-seed ensemble trained as one computation; a safetensors round trip; autograd checked against finite differences.

// The core, the F# face, TorchSharp and its native library (the copy the build patched), in one line.
#load "../../src/FSharp/bin/Release/net10.0/load.fsx"

open System.IO
open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Checkpoints
open Functional.Training.Ensembles
open Functional.Training.Optimizers
open Functional.FSharp // after Functional.Training: its TrainEvent and StopReason are the F# ones

// A spec is a value; With(...) is a changed copy, validated like the constructor.
let spec = MlpSpec(inputs = 2, hidden = [ 2 ], outputs = 1, hiddenActivation = Activation.Tanh(), head = Activation.Sigmoid())
let wide = spec.With(hidden = [ 4 ])
printfn "spec %O, changed copy %O" spec wide

// The XOR truth table. A Batch does not own its tensors: these live as long as the script.
let inputs = torch.tensor([| 0.f; 0.f; 0.f; 1.f; 1.f; 0.f; 1.f; 1.f |]).reshape(4L, 2L)
let targets = torch.tensor([| 0.f; 1.f; 1.f; 0.f |]).reshape(4L, 1L)
let xor = Batch(inputs, targets)

/// The fraction of rows whose rounded output equals its target, per leading member (the run frees the temporaries:
/// an evaluation runs in a DisposeScope of the loop's, under no_grad).
let accuracy (output: torch.Tensor) (target: torch.Tensor) =
    output.round().eq(target).to_type(torch.float32).flatten(1L).mean([| 1L |]).data<float32>().ToArray() |> Array.map float |> List.ofArray

// XOR with Adam, evaluated each epoch: an accuracy but no validation loss (an option each), stopped by the first
// epoch whose accuracy is 1 and whose training loss is below 0.01. The run disposes every state but the one it stops at.
let trainer = Trainer(wide, Loss.Mse(), Adam(Lr = 0.05))
let plan =
    RunPlan.fullBatch 2000 xor
    |> RunPlan.withEvaluation (fun p -> Evaluation.ofModel None (Some(List.head (accuracy (Mlp.Forward(wide, p, inputs).unsqueeze 0L) (targets.unsqueeze 0L)))))
let learned (event: TrainEvent) =
    match event with
    | Epoch(loss = loss; accuracy = Some 1.0) -> loss < 0.01
    | Step _ | Epoch _ | MemberEpoch _ | Checkpoint _ | Done _ -> false
let report (event: TrainEvent) =
    match event with
    | Epoch(epoch, loss, valLoss, accuracy) when epoch % 50 = 0 ->
        let shown = function Some (v: float) -> $"%.3f{v}" | None -> "-"
        printfn "epoch %4d  loss %.6f  val_loss %s  accuracy %s" epoch loss (shown valLoss) (shown accuracy)
    | Done(state, _, reason) -> printfn "done after %d steps: %A" state.Step reason
    | _ -> ()
let (Drawn(initialParams, rng)) = Init.Initialize(wide, Rng.Seed 7L)
let final, reason = Train.start trainer initialParams rng |> Train.runUntil learned report plan trainer
let outputs =
    use _ = torch.no_grad()
    Mlp.Forward(wide, final.Params, inputs)
for row in 0L .. 3L do
    printfn "%g xor %g -> %.4f" (inputs[row, 0L].item<float32>()) (inputs[row, 1L].item<float32>()) (outputs[row, 0L].item<float32>())
printfn "xor accuracy %.0f%% (%s)" (100. * List.head (accuracy (outputs.unsqueeze 0L) (targets.unsqueeze 0L)))
    (match reason with
     | Stopped -> "stopped early"
     | Completed -> "ran every epoch"
     | Diverged lastFinite -> $"diverged after loss %A{lastFinite}")

// An ensemble of 8 seeds, stacked and trained as one computation; the fold keeps the last epoch's member losses.
let seeds = [ 1L .. 8L ]
let ensemble = EnsembleTrainer(wide, Loss.Mse(), Adam(Lr = 0.05))
let ensembleXor = Batch(Ensemble.replicate seeds.Length inputs, Ensemble.replicate seeds.Length targets)
let lastLosses, ensembleFinal, _ =
    Train.start ensemble (Ensemble.ofSeeds wide seeds) (Rng.Seed 0L)
    |> Train.fold (fun last event -> match event with MemberEpoch(loss = losses) -> losses | _ -> last) [] (RunPlan.fullBatch 300 ensembleXor) ensemble
let memberAccuracy =
    use _ = torch.no_grad()
    accuracy (ensemble.Forward(ensembleFinal.Params, ensembleXor.Inputs)) ensembleXor.Targets
List.zip3 seeds lastLosses memberAccuracy
|> List.iter (fun (seed, loss, acc) -> printfn "ensemble seed %d  loss %.5f  accuracy %.0f%%" seed loss (100. * acc))

// A safetensors round trip: the params under their PyTorch names, the spec in the metadata.
let path = Path.Combine(Path.GetTempPath(), $"walkthrough-{System.Environment.ProcessId}.safetensors")
File.WriteAllBytes(path, ModelCheckpoint.Serialize(wide, final.Params))
let loaded = ModelCheckpoint.Deserialize(File.ReadAllBytes path, path)
File.Delete path
printfn "safetensors round trip: spec %O, %s, params equal %b" loaded.Spec (String.concat ", " (Params.toList loaded.Params |> List.map fst)) (Params.equal loaded.Params final.Params)

// Autograd against central differences in float64: the loss sees float64 params, so its data is float64 too.
let xor64 = Batch(inputs.to_type torch.float64, targets.to_type torch.float64)
let loss (p: Params) = trainer.LossAt(p, xor64)
match Gradients.check loss final.Params with
| Ok check -> printfn "gradient check passed: %d elements, closest to the tolerance %O" check.Entries.Length check.Entries[0]
| Error worst -> printfn "gradient check failed:\n%s" (worst |> List.map string |> String.concat "\n")
// The same loss with a gradient 1 % off (the value unchanged) is caught.
let skewed (p: Params) = let l = loss p in l.add(l.sub(l.detach()).mul((0.01).ToScalar()))
match Gradients.check skewed final.Params with
| Ok _ -> printfn "a 1%% gradient error went unnoticed"
| Error worst -> printfn "a 1%% gradient error is caught: %d elements off, worst %O" worst.Length (List.head worst)
