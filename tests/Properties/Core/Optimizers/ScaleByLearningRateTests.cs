using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>ScaleByLearningRate alone: −lr (or −1 and the member rates) left pending for the fused apply.</summary>
public sealed class ScaleByLearningRateTests
{
    [Fact]
    public void A_scalar_rate_scales_by_minus_lr_and_leaves_the_direction_alone()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(40);
        var (p, g) = (TestTrees.Draw(d), TestTrees.Draw(d));
        var (u, _) = new ScaleByLearningRate(0.3).Update(new Updates(g), EmptyState.Instance, p, step: 1);
        Assert.Same(g, u.Direction);
        Assert.Equal(-0.3, u.Scale);
        Assert.Null(u.Factor);
        TensorAssert.Identical(p.Zip(g, (pi, gi) => pi.add(gi, alpha: -0.3)), u.ApplyTo(p));
    }

    [Fact]
    public void Per_member_rates_become_a_factor_shaped_to_broadcast_over_the_member_axis()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(41);
        var p = new Params(["w", "b"], [d.Normal([3, 2, 4]).to(ScalarType.Float32), d.Normal([3, 2]).to(ScalarType.Float32)]);
        var g = p.Map(t => d.Normal(t.shape).to(ScalarType.Float32));
        var (u, _) = new ScaleByLearningRate(LearningRate.PerMember([0.5, 0.25, 2])).Update(new Updates(g), EmptyState.Instance, p, step: 1);
        Assert.Equal(-1, u.Scale);
        Assert.Equal(new long[] { 3, 1, 1 }, u.Factor!["w"].shape);
        Assert.Equal(new long[] { 3, 1 }, u.Factor!["b"].shape);
        Assert.Equal(new[] { 0.5f, 0.25f, 2f }, u.Factor!["b"].data<float>().ToArray());
        TensorAssert.Identical(p.Zip(g, u.Factor!, (pi, gi, r) => pi.addcmul(gi, r, value: -1)), u.ApplyTo(p));
    }

    [Fact]
    public void Per_member_rates_need_one_rate_per_member()
    {
        using var scope = NewDisposeScope();
        var p = TestTrees.Draw(new Draws(42)); // leading dimension 3
        var e = Assert.Throws<ArgumentException>(() => new ScaleByLearningRate(LearningRate.PerMember([0.1, 0.2])).Update(new Updates(p), EmptyState.Instance, p, 1));
        Assert.Equal("2 member learning rates for a parameter of shape [3, 2]", e.Message);
    }

    [Fact]
    public void Scalings_compose()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(43);
        var p = TestTrees.Draw(d);
        var twice = new ScaleByLearningRate(0.5).Then(new ScaleByLearningRate(LearningRate.PerMember([1, 2, 3])));
        var (u, _) = twice.Update(new Updates(p), twice.Init(p), p, step: 1);
        Assert.Equal(0.5, u.Scale); // −0.5 · −1
        Assert.Equal(new[] { 1f, 2f, 3f }, u.Factor!["b"].data<float>().ToArray());
    }
}
