// The core as a C# library: a spec as a value, a seeded init, XOR trained by folding the pure step over epochs, and a
// small ensemble trained as one batched computation. The same walkthrough as samples/FSharp. The part between the
// README markers is the README's C# example, word for word (a test checks).
using System.Collections.Immutable;
using System.Globalization;
using Functional.Model;
using Functional.Training;
using Functional.Training.Ensembles;
using Functional.Training.Optimizers;
using static TorchSharp.torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// README:begin
// A spec is an immutable value: a constructor for the sizes and activations, With(...) (or C#'s with) for a changed copy.
var baseSpec = new MlpSpec(inputs: 2, hidden: [2], outputs: 1, hiddenActivation: new Activation.Tanh(), head: new Activation.Sigmoid());
var spec = baseSpec.With(hidden: [4]);
using var inputs = tensor(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }).reshape(4, 2); // the XOR truth table
using var targets = tensor(new float[] { 0, 1, 1, 0 }).reshape(4, 1);
var batch = new Batch(inputs, targets);
var (initialParams, rng) = Init.Initialize(spec, Rng.Seed(7)); // randomness is a value: params and the Rng after the draws
var trainer = new Trainer(spec, new Loss.Mse(), new Sgd(Lr: 0.5));
// The pure step folded over epochs: every state is disposed once the next exists.
var (final, losses) = Enumerable.Range(1, 1000).Aggregate(
    (State: trainer.Start(initialParams, rng), Losses: ImmutableList<double>.Empty),
    (run, _) =>
    {
        using var previous = run.State;
        var (next, log) = trainer.Step(run.State, batch);
        return (next, run.Losses.Add(log.Loss));
    });
// README:end

Console.WriteLine($"spec {spec} (from {baseSpec})");
using (final)
{
    for (var e = 250; e <= losses.Count; e += 250)
        Console.WriteLine($"epoch {e,4}  loss {losses[e - 1]:F6}");

    using var outputs = Predict(spec, final.Params, inputs);
    for (var row = 0; row < 4; row++)
        Console.WriteLine($"{inputs[row, 0].item<float>()} xor {inputs[row, 1].item<float>()} -> {outputs[row, 0].item<float>():F4}");
    using var accuracy = Accuracy(outputs.unsqueeze(0), targets.unsqueeze(0));
    Console.WriteLine($"xor accuracy {100 * accuracy[0].item<float>():F0}%");
}

// An ensemble: K members of one spec, each from its own seed, stacked along a leading model dimension and trained as
// one batched computation, here each with its own learning rate. Member k equals a single run from its seed and rate.
// An optimizer is a value, validated when built (a negative rate throws here), and a chain of small transforms.
long[] seeds = [1, 2, 3, 4];
var members = seeds.Select(s => Init.Initialize(spec, Rng.Seed(s)).Value).ToList();
var stacked = Ensemble.Stack(members);
members.ForEach(p => p.Dispose());
using var ensembleInputs = inputs.expand(seeds.Length, 4, 2).contiguous();
using var ensembleTargets = targets.expand(seeds.Length, 4, 1).contiguous();
var ensembleBatch = new Batch(ensembleInputs, ensembleTargets);
var perMember = new Sgd(Lr: LearningRate.PerMember([0.5, 0.5, 1.0, 1.0]), Momentum: 0.5);
Console.WriteLine($"ensemble optimizer {perMember} = {perMember.Transform}");
var ensemble = new EnsembleTrainer(spec, new Loss.Mse(), perMember);
using var ensembleFinal = Enumerable.Range(1, 1000).Aggregate(ensemble.Start(stacked, Rng.Seed(0)), (state, _) =>
{
    using var previous = state;
    return ensemble.Step(state, ensembleBatch).State; // its log also holds each member's loss
});
using (no_grad())
{
    using var output = ensemble.Forward(ensembleFinal.Params, ensembleInputs);
    using var memberAccuracy = Accuracy(output, ensembleTargets);
    for (var i = 0; i < seeds.Length; i++)
        Console.WriteLine($"ensemble member {i} (seed {seeds[i]}) accuracy {100 * memberAccuracy[i].item<float>():F0}%");
}

static Tensor Predict(MlpSpec spec, Params p, Tensor x)
{
    using var _ = no_grad();
    return Mlp.Forward(spec, p, x);
}

// The fraction of rows whose output, rounded, equals the target, per leading member: a [K] tensor.
static Tensor Accuracy(Tensor output, Tensor targets)
{
    using var scope = NewDisposeScope();
    return output.round().eq(targets).to(ScalarType.Float32).flatten(1).mean([1]).MoveToOuterDisposeScope();
}
