using Functional.Model;
using Functional.Properties.Support;
using Functional.Reference;
using Functional.Training.Exercises;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Exercises;

/// <summary>The perceptron walkthrough equals the tutorial's imperative steps under torch.manual_seed.</summary>
[Collection(GlobalRng.Name)]
public sealed class PerceptronTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(42L)]
    public void Walkthrough_equals_nn_Linear_backward_and_torch_optim_SGD(long seed)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        // fc = Linear(48, 10), then sigmoid; MSE; one torch.optim.SGD(lr 0.01) step
        var spec = new MlpSpec(48, [], 10, new Activation.Identity(), new Activation.Sigmoid()) { LayerNames = ["fc"] };
        using var trainer = new TorchTrainer(new TorchMlp(spec), new Loss.Mse(), new TorchOptimizer.Sgd(0.01));
        var fc = trainer.Model.Linears[0];
        var input = randn(1, 48);
        var target = randn(1, 10);
        Assert.Null(fc.bias!.grad);
        var loss = trainer.Step(input, target); // backward, then the step; .grad keeps the step's gradient
        var biasGrad = fc.bias!.grad!;
        var weightGrad = fc.weight!.grad!;

        using var setup = Perceptron.Prepare(new PerceptronOptions(Seed: seed));
        using var walk = Perceptron.Walk(setup);
        Assert.Equal(TensorAssert.Bytes(input), TensorAssert.Bytes(setup.Data.Input));
        Assert.Equal(TensorAssert.Bytes(target), TensorAssert.Bytes(setup.Data.Target));
        Assert.True(TensorAssert.MaxRelativeError(biasGrad, walk.Gradient["fc.bias"], 1e-6) < 1e-5);
        Assert.True(TensorAssert.MaxRelativeError(weightGrad, walk.Gradient["fc.weight"], 1e-6) < 1e-5);
        Assert.True(TensorAssert.MaxRelativeError(fc.weight!, walk.OptimizerUpdate["fc.weight"]) < 1e-6);
        Assert.True(TensorAssert.MaxRelativeError(fc.bias!, walk.OptimizerUpdate["fc.bias"]) < 1e-6);
        TensorAssert.Close(loss, walk.Loss, 1e-6);
        setup.Initial.Dispose();
    }
}
