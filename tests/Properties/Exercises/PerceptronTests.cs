using Functional.Properties.Support;
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
        var fc = nn.Linear(48, 10);
        var input = randn(1, 48);
        var target = randn(1, 10);
        var loss = nn.functional.mse_loss(sigmoid(fc.forward(input)), target);
        Assert.Null(fc.bias!.grad);
        loss.backward();
        var biasGrad = fc.bias!.grad!.clone();
        var weightGrad = fc.weight!.grad!.clone();
        optim.SGD(fc.parameters(), 0.01).step();

        using var setup = Perceptron.Prepare(new PerceptronOptions(Seed: seed));
        using var walk = Perceptron.Walk(setup);
        Assert.Equal(TensorAssert.Bytes(input), TensorAssert.Bytes(setup.Input));
        Assert.Equal(TensorAssert.Bytes(target), TensorAssert.Bytes(setup.Target));
        Assert.True(TensorAssert.MaxRelativeError(biasGrad, walk.Gradient["fc.bias"], 1e-6) < 1e-5);
        Assert.True(TensorAssert.MaxRelativeError(weightGrad, walk.Gradient["fc.weight"], 1e-6) < 1e-5);
        Assert.True(TensorAssert.MaxRelativeError(fc.weight!, walk.OptimizerUpdate["fc.weight"]) < 1e-6);
        Assert.True(TensorAssert.MaxRelativeError(fc.bias!, walk.OptimizerUpdate["fc.bias"]) < 1e-6);
        TensorAssert.Close(loss.item<float>(), walk.Loss, 1e-6);
        setup.Initial.Dispose();
    }
}
