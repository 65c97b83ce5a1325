using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>AddDecayedWeights alone: torch.optim's coupled weight decay g + wd·p.</summary>
public sealed class AddDecayedWeightsTests
{
    [Fact]
    public void Adds_the_decayed_params_as_torch_optim_does()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(30);
        var (p, g) = (TestTrees.Draw(d), TestTrees.Draw(d));
        var decay = new AddDecayedWeights(0.01);
        var (u, state) = decay.Update(new Updates(g), decay.Init(p), p, step: 3);
        TensorAssert.Identical(g.Zip(p, (gi, pi) => gi.add(pi, alpha: 0.01)), u.Direction);
        Assert.True(u.IsPlain);
        Assert.Empty(state.Trees);
    }

    [Fact]
    public void Decays_the_value_of_a_pending_update()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(31);
        var (p, g, q) = (TestTrees.Draw(d), TestTrees.Draw(d), TestTrees.Draw(d).Map(t => t.abs().add(1)));
        var decay = new AddDecayedWeights(0.5);
        var pending = new Updates(g) { Denominator = q, Divisor = 4, Scale = -2 };
        var (u, _) = decay.Update(pending, EmptyState.Instance, p, step: 1);
        TensorAssert.Identical(g.Zip(q, (gi, qi) => gi.div(qi).mul(-0.5)).Zip(p, (x, pi) => x.add(pi, alpha: 0.5)), u.Direction);
    }

    [Theory]
    [InlineData(-1e-300, "Invalid weight_decay value: -1E-300")]
    [InlineData(double.NaN, "Invalid weight_decay value: NaN")]
    public void Cannot_be_built_invalid(double weightDecay, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new AddDecayedWeights(weightDecay)).Message);
}
