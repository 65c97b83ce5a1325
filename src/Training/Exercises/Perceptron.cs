using TorchSharp;
using Functional.Training.Data;
using Functional.Training.Optimizers;

namespace Functional.Training.Exercises;

/// <summary>Options of the perceptron walkthrough; defaults are the tutorial's.</summary>
/// <param name="Inputs">Input size (48).</param>
/// <param name="Outputs">Output size (10).</param>
/// <param name="Lr">Learning rate of the manual update and of the SGD step (0.01).</param>
/// <param name="Seed">Seed (as <c>torch.manual_seed</c>).</param>
public sealed record PerceptronOptions(int Inputs = 48, int Outputs = 10, double Lr = 0.01, long Seed = 1)
{
    /// <summary>Returns this, or throws an <see cref="OptionError"/> naming the first option out of range.</summary>
    public PerceptronOptions Validate()
    {
        Require.Between(nameof(Inputs), Inputs, 1, Limits.PerceptronSize);
        Require.Between(nameof(Outputs), Outputs, 1, Limits.PerceptronSize);
        Require.PositiveNumber(nameof(Lr), Lr);
        return this;
    }

    /// <summary>The options a checkpoint of the walkthrough's step would record: all of them (it has one step, no epochs).</summary>
    public ImmutableSortedDictionary<string, string> MustMatchOnResume() =>
        ResumeOptions.Of((nameof(Inputs), Inputs), (nameof(Outputs), Outputs), (nameof(Lr), Lr), (nameof(Seed), Seed));
}

/// <summary>
/// The walkthrough's data: the input [1, Inputs] and target [1, Outputs], and the learning rate of the manual update
/// (the SGD's). Dispose frees input and target.
/// </summary>
public sealed record PerceptronData(Tensor Input, Tensor Target, double Lr) : IDisposable
{
    /// <summary>Frees the input and target.</summary>
    public void Dispose()
    {
        Input.Dispose();
        Target.Dispose();
    }
}

/// <summary>
/// What the walkthrough shows, computed from the initial params (which it leaves untouched): the output, the loss, the
/// gradient, and the manual update w − lr·grad. Dispose frees its tensors.
/// </summary>
/// <param name="Output">The network output for the input, [1, Outputs].</param>
/// <param name="Loss">MSE of the output against the target.</param>
/// <param name="Gradient">d loss / d params (the tutorial's <c>.grad</c> after <c>loss.backward()</c>).</param>
/// <param name="ManualUpdate">Every parameter minus lr times its gradient, written as the tutorial's <c>f.data.sub_(f.grad.data * lr)</c>.</param>
/// <param name="OptimizerUpdate">The same step through the trainer's pure <see cref="Sgd"/> (torch.optim.SGD's arithmetic, <c>p.add(g, alpha: -lr)</c>).</param>
public sealed record PerceptronWalk(Tensor Output, double Loss, Params Gradient, Params ManualUpdate, Params OptimizerUpdate) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Output.Dispose();
        Gradient.Dispose();
        ManualUpdate.Dispose();
        OptimizerUpdate.Dispose();
    }
}

/// <summary>
/// The "Neural Networks" tutorial walkthrough: a one-layer perceptron Linear(48, 10) with a sigmoid, its parameter
/// shapes, its output for a random input, the MSE against a random target, the gradient by backprop, and one manual
/// SGD update against one optimizer step. Draw order: the layer (weight, bias), then the input, then the target.
/// </summary>
public static class Perceptron
{
    /// <summary>The tutorial's layer name: <c>self.fc</c>, so the params are <c>fc.weight</c> and <c>fc.bias</c>.</summary>
    public const string LayerName = "fc";

    /// <summary>Linear(inputs, outputs) followed by a sigmoid.</summary>
    public static MlpSpec Spec(int inputs, int outputs) =>
        new MlpSpec(inputs, [], outputs, new Activation.Identity(), new Activation.Sigmoid()) { LayerNames = [LayerName] };

    /// <summary>Builds the walkthrough: the model's init, then the input randn(1, Inputs), then the target randn(1, Outputs).</summary>
    public static Prepared<Trainer, PerceptronData> Prepare(PerceptronOptions options)
    {
        var o = options.Validate();
        var trainer = new Trainer(Spec(o.Inputs, o.Outputs), new Loss.Mse(), new Sgd(o.Lr));
        var (p, rng) = Init.Initialize(trainer.Spec, Rng.Seed(o.Seed));
        var (input, afterInput) = rng.Randn(1, o.Inputs);
        var (target, afterTarget) = afterInput.Randn(1, o.Outputs);
        var plan = new RunPlan(1, (_, r) => Batching.FullBatch(input, target, r));
        return new(trainer, trainer.Start(p, afterTarget), plan, new PerceptronData(input, target, o.Lr));
    }

    /// <summary>
    /// Computes the walkthrough's values at the setup's initial params: output, loss, gradient (<see cref="Gradients.Compute"/>),
    /// the manual update and the trainer's optimizer step (<see cref="OptimizerState.Update"/>) from the same point. The setup is not changed.
    /// </summary>
    public static PerceptronWalk Walk(Prepared<Trainer, PerceptronData> setup)
    {
        using var scope = NewDisposeScope();
        var p = setup.Initial.Params;
        Tensor output;
        using (no_grad())
            output = Mlp.Forward(setup.Trainer.Spec, p, setup.Data.Input);
        var batch = new Batch(setup.Data.Input, setup.Data.Target);
        var (loss, gradient) = Gradients.Compute(q => setup.Trainer.LossAt(q, batch), p);
        var manual = p.Zip(gradient, (w, g) => w.detach().sub(g.mul(setup.Data.Lr)));
        var (stepped, _) = setup.Trainer.Optimizer.Init(p).Update(p, gradient, step: 1); // its state dies with the scope
        var walk = new PerceptronWalk(output, loss.ToScalar().ToDouble(), gradient, manual, stepped);
        scope.MoveToOuter([output, .. gradient.Values, .. manual.Values, .. stepped.Values]);
        return walk;
    }

    /// <summary>The largest absolute difference between two Params with the same names.</summary>
    public static double MaxAbsDifference(Params a, Params b)
    {
        using var scope = NewDisposeScope();
        return a.Zip(b, (x, y) => x.sub(y).abs().max()).Values.Select(t => t.ToScalar().ToDouble()).DefaultIfEmpty(0).Max();
    }
}
