using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Reference;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Reference;

/// <summary>
/// The imperative reference the oracle tests and benchmarks compare with: its modules are the spec's network, with the
/// spec's state-dict names, and it refuses the silent broadcast PyTorch only warns about.
/// </summary>
[Collection(GlobalRng.Name)]
public sealed class TorchReferenceTests
{
    [Property(MaxTest = 50)]
    public void A_TorchMlp_holding_the_cores_params_computes_the_cores_forward_bit_for_bit(NetCase c)
    {
        using var scope = NewDisposeScope();
        var (p, batch) = Networks.Materialize(c, ScalarType.Float32);
        using var model = TorchMlp.From(c.Spec, p);
        var stateDict = model.StateDict();
        Assert.Equal(p.Names.Order(), stateDict.Keys.Order());
        foreach (var (name, value) in p.Items)
            Assert.Equal(TensorAssert.Bytes(value), TensorAssert.Bytes(stateDict[name]));
        using var _ = no_grad();
        var expected = Mlp.Forward(c.Spec, p, batch.Inputs);
        var actual = model.Forward(batch.Inputs);
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(TensorAssert.Bytes(expected), TensorAssert.Bytes(actual));
    }

    [Fact]
    public void A_step_returns_the_loss_before_the_update_and_leaves_the_gradient_on_the_parameters()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(3, [4], 2, new Activation.Tanh(), new Activation.Identity());
        var x = randn(5, 3, generator: new Generator(1));
        var y = randn(5, 2, generator: new Generator(2));
        using var trainer = new TorchTrainer(new TorchMlp(spec), new Loss.Mse(), new TorchOptimizer.Sgd(0.1));
        var before = trainer.Model.Linears.Select(l => l.weight!.detach().clone()).ToArray();
        float expected;
        using (no_grad()) expected = nn.functional.mse_loss(trainer.Model.Forward(x), y).item<float>();
        var loss = trainer.Step(x, y);
        Assert.Equal(expected, loss);
        for (var i = 0; i < before.Length; i++)
        {
            // SGD without momentum: w' = w − 0.1·grad, with the grad the step left behind.
            var weight = trainer.Model.Linears[i].weight!;
            Assert.True(TensorAssert.MaxRelativeError(before[i].add(weight.grad!, alpha: -0.1), weight) < 1e-6, $"layer {i}");
        }
    }

    [Fact]
    public void An_MSE_between_different_shapes_is_refused_instead_of_broadcast()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(2, [], 1, new Activation.Identity(), new Activation.Identity());
        using var trainer = new TorchTrainer(new TorchMlp(spec), new Loss.Mse(), new TorchOptimizer.Sgd(0.1));
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(zeros(4, 2), zeros(4)));
        Assert.Equal("mse: output shape [4, 1] differs from target shape [4]", e.Message);
    }
}
