/// Small networks and data for the tests, and the live-tensor count the ownership tests compare.
module Functional.FSharpTests.Support

open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Optimizers
open Functional.FSharp

/// Tensors alive that this thread created (TorchSharp counts per thread; xunit runs a test on one thread).
let liveTensors () = DisposeScopeManager.Statistics.ThreadTotalLiveCount

/// A 2-3-1 tanh network on 12 random samples: the spec, the inputs and targets (the caller's), a trainer with Adam.
type Setup =
    { Spec: MlpSpec
      Inputs: torch.Tensor
      Targets: torch.Tensor
      Trainer: Trainer }

    interface System.IDisposable with
        member this.Dispose() =
            this.Inputs.Dispose()
            this.Targets.Dispose()

let setup (seed: int64) =
    let spec = MlpSpec(inputs = 2, hidden = [ 3 ], outputs = 1, hiddenActivation = Activation.Tanh(), head = Activation.Identity())
    let (Drawn(x, rng)) = (Rng.Seed seed).Randn(12L, 2L)
    let (Drawn(y, _)) = rng.Randn(12L, 1L)
    { Spec = spec; Inputs = x; Targets = y; Trainer = Trainer(spec, Loss.Mse(), Adam(Lr = 0.01)) }

/// A fresh initial state of the setup's network from seed (its params drawn now, owned by the state).
let initial (s: Setup) (seed: int64) =
    let (Drawn(p, rng)) = Init.Initialize(s.Spec, Rng.Seed seed)
    Train.start s.Trainer p rng

/// A plan whose every epoch draws a new shuffle of the samples and cuts it into batches of 4: tensors the run must free.
let shuffledPlan (s: Setup) epochs =
    RunPlan.ofData epochs (fun _ rng ->
        let (Drawn(order, next)) = rng.RandPerm 12L
        let batches =
            [| for b in 0L .. 2L ->
                   let rows = order.narrow(0L, 4L * b, 4L)
                   Batch(s.Inputs.index_select(0L, rows), s.Targets.index_select(0L, rows)) |]
        EpochData(batches, next))

/// The samples in three fixed batches of 4 (slices made once, the caller's), the same every epoch.
let fixedBatches (s: Setup) =
    [ for b in 0L .. 2L -> Batch(s.Inputs.narrow(0L, 4L * b, 4L), s.Targets.narrow(0L, 4L * b, 4L)) ]

let fixedPlan (batches: Batch list) epochs = RunPlan.ofData epochs (fun _ rng -> EpochData(Array.ofList batches, rng))

/// K copies of the setup's network, stacked, from seeds 1..K, with the setup's trainer's loss and optimizer.
let ensembleStart (s: Setup) (k: int) =
    let trainer = Functional.Training.Ensembles.EnsembleTrainer(s.Spec, Loss.Mse(), Adam(Lr = 0.01))
    trainer, Train.start trainer (Ensemble.ofSeeds s.Spec [ 1L .. int64 k ]) (Rng.Seed 0L)

/// An ensemble plan: every epoch replicates the whole sample for each of k members anew (tensors the run must free).
let ensemblePlan (s: Setup) (k: int) epochs =
    RunPlan.ofData epochs (fun _ rng -> EpochData([| Batch(Ensemble.replicate k s.Inputs, Ensemble.replicate k s.Targets) |], rng))
