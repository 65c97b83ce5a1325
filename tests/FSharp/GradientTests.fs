/// Gradients.check as a Result: Ok for autograd's gradient of a whole network, Error with the worst entries first for a
/// loss whose gradient is 1 % off.
module Functional.FSharpTests.GradientTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Functional.Model
open Functional.Training
open Functional.Training.Optimizers
open Functional.FSharp

/// A smooth network (tanh or sigmoid hidden layers: no kink for a central difference to straddle), a head and a loss
/// that suit each other, a batch, and the seed of its params and float64 data.
type Net =
    { Hidden: int list
      Sigmoid: bool
      Batch: int
      Seed: int }

let private nets =
    gen {
        let! depth = Gen.choose (0, 2)
        let! hidden = Gen.listOfLength depth (Gen.choose (1, 4))
        let! sigmoid = Gen.elements [ false; true ]
        let! batch = Gen.choose (1, 5)
        let! seed = Gen.choose (0, 100_000)
        return { Hidden = hidden; Sigmoid = sigmoid; Batch = batch; Seed = seed }
    }

let private shrinkNet (n: Net) =
    seq {
        if not n.Hidden.IsEmpty then yield { n with Hidden = List.tail n.Hidden }
        if n.Batch > 1 then yield { n with Batch = 1 }
        if n.Seed <> 0 then yield { n with Seed = 0 }
    }

let private netArb = Arb.fromGenShrink (nets, shrinkNet)

/// The network's loss at params on its own float64 data (float64 params expected, as the check passes them).
let private lossOf (n: Net) =
    let activation: Activation = if n.Sigmoid then Activation.Sigmoid() else Activation.Tanh()
    let spec = MlpSpec(inputs = 3, hidden = n.Hidden, outputs = 2, hiddenActivation = activation, head = Activation.Identity())
    let trainer = Trainer(spec, Loss.Mse(), Sgd(Lr = 0.1))
    let (Drawn(x, rng)) = (Rng.Seed(int64 n.Seed)).Randn(int64 n.Batch, 3L)
    let (Drawn(y, rng)) = rng.Randn(int64 n.Batch, 2L)
    let (Drawn(p, _)) = Init.Initialize(spec, rng)
    let batch = Batch(x.to_type torch.float64, y.to_type torch.float64)
    x.Dispose()
    y.Dispose()
    p, batch, (fun q -> trainer.LossAt(q, batch))

/// The same value with a gradient 1 % too large: L + 0.01·(L − detach(L)).
let private skewed (loss: Params -> torch.Tensor) (p: Params) =
    let l = loss p
    l.add(l.sub(l.detach()).mul((0.01).ToScalar()))

[<Property>]
let ``autograd passes the check and a 1 % error in it fails, worst entry first`` () =
    Prop.forAll netArb (fun n ->
        use _ = torch.NewDisposeScope()
        let p, _, loss = lossOf n
        match Gradients.check loss p with
        | Error worst -> failwith $"autograd failed the check: %A{worst}"
        | Ok check ->
            Assert.Equal(p.ElementCount, int64 check.Entries.Length)
            // A 1 % error shows wherever |gradient| > 1e-5 / (0.01 − 1e-3) ≈ 1.1e-3: where no gradient is that large,
            // the skewed loss rightly passes, and the case says nothing.
            let detectable = check.Entries |> Seq.exists (fun e -> abs e.Numeric > 1.2e-3)
            let caught =
                match Gradients.check (skewed loss) p with
                | Ok _ -> false
                | Error worst ->
                    let first = List.head worst
                    abs (first.Analytic - 1.01 * first.Numeric) <= 1e-6 + 1e-4 * abs first.Numeric
                    && worst |> List.pairwise |> List.forall (fun (a, b) -> a.Ratio >= b.Ratio)
            detectable ==> caught)

[<Fact>]
let ``checkWithin uses the tolerances it is given`` () =
    use _ = torch.NewDisposeScope()
    let p, _, loss = lossOf { Hidden = [ 3 ]; Sigmoid = false; Batch = 4; Seed = 11 }
    // Loose enough for the 1 % error: passes. The default tolerances catch it.
    Assert.True(Gradients.checkWithin 1e-5 0.02 (skewed loss) p |> Result.isOk)
    Assert.True(Gradients.check (skewed loss) p |> Result.isError)

[<Fact>]
let ``finite differences are float64 with the params' names and shapes, and match autograd`` () =
    use _ = torch.NewDisposeScope()
    let p, _, loss = lossOf { Hidden = [ 2 ]; Sigmoid = true; Batch = 3; Seed = 5 }
    let numeric = Gradients.finiteDifferences loss p
    Assert.Equal<string list>(Params.toList p |> List.map fst, Params.toList numeric |> List.map fst)
    Assert.All(numeric.Values, fun t -> Assert.Equal(torch.ScalarType.Float64, t.dtype))
    let analytic = Functional.Training.Gradients.Compute((fun q -> loss q), p.ToFloat64()).Gradient
    Assert.True(Params.allCloseWithin 1e-6 1e-9 numeric analytic)
