using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>ScaleByAdam alone: the moments, AMSGrad's maximum, the pending update left for the learning rate, by hand.</summary>
public sealed class ScaleByAdamTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(5, false)]
    [InlineData(5, true)]
    public void Updates_the_moments_and_leaves_the_update_pending_in_torchs_order(long step, bool amsgrad)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(20);
        var (p, g, m0) = (TestTrees.Draw(d), TestTrees.Draw(d), TestTrees.Draw(d));
        var (v0, max0) = (TestTrees.Draw(d).Map(t => t.abs()), TestTrees.Draw(d).Map(t => t.abs()));
        var adam = new ScaleByAdam(0.8, 0.95, 1e-3, amsgrad);
        var state = new ScaleByAdamState(m0, v0, amsgrad ? max0 : Params.Empty);
        var (u, next) = adam.Update(new Updates(g), state, p, step);

        var m = m0.Zip(g, (a, b) => a.mul(0.8).add(b, alpha: 1 - 0.8));
        var v = v0.Zip(g, (a, b) => a.mul(0.95).addcmul(b, b, value: 1 - 0.95));
        var max = amsgrad ? max0.Zip(v, (a, b) => a.maximum(b)) : Params.Empty;
        TensorAssert.Identical(m, next.ExpAvg);
        TensorAssert.Identical(v, next.ExpAvgSq);
        TensorAssert.Identical(max, next.MaxExpAvgSq);
        TensorAssert.Identical(m, u.Direction);
        TensorAssert.Identical((amsgrad ? max : v).Map(x => x.sqrt().div(Math.Sqrt(1 - Math.Pow(0.95, step))).add(1e-3)), u.Denominator!);
        Assert.Equal(1 - Math.Pow(0.8, step), u.Divisor);
        Assert.Null(u.Factor);
        Assert.Equal(1, u.Scale);
    }

    [Fact]
    public void Its_state_is_torch_optims_exp_avg_exp_avg_sq_and_max_exp_avg_sq()
    {
        using var scope = NewDisposeScope();
        var p = TestTrees.Draw(new Draws(21));
        using var plain = new ScaleByAdam().Init(p);
        Assert.Equal(["exp_avg.w", "exp_avg.b", "exp_avg_sq.w", "exp_avg_sq.b"], StateTensors.Named(plain).Select(t => t.Name));
        using var amsgrad = new ScaleByAdam(amsgrad: true).Init(p);
        Assert.Equal(["exp_avg.w", "exp_avg.b", "exp_avg_sq.w", "exp_avg_sq.b", "max_exp_avg_sq.w", "max_exp_avg_sq.b"],
            StateTensors.Named(amsgrad).Select(t => t.Name));
        Assert.All(StateTensors.Named(amsgrad), t => Assert.Equal(0, t.Value.abs().sum().item<float>()));
        var restored = new ScaleByAdam(amsgrad: true).Restore(p, StateTensors.Named(amsgrad).ToDictionary(t => t.Name, t => t.Value.add(1)));
        Assert.All(StateTensors.Named(restored), t => Assert.Equal(t.Value.numel(), t.Value.sum().item<float>()));
    }

    [Theory]
    [InlineData(0.0, 0.999, 1e-8)]
    [InlineData(0.9, 0.0, 0.0)]
    [InlineData(0.9999999999999999, 0.9999999999999999, 1e300)]
    public void Builds_inside_torch_optims_limits(double beta1, double beta2, double eps)
    {
        var adam = new ScaleByAdam(beta1, beta2, eps);
        Assert.Equal((beta1, beta2, eps), (adam.Beta1, adam.Beta2, adam.Eps));
    }

    [Theory]
    [InlineData(1.0, 0.999, 1e-8, "Invalid beta parameter at index 0: 1")]
    [InlineData(0.9, 1.0, 1e-8, "Invalid beta parameter at index 1: 1")]
    [InlineData(-1e-300, 0.999, 1e-8, "Invalid beta parameter at index 0: -1E-300")]
    [InlineData(0.9, 0.999, -1e-300, "Invalid epsilon value: -1E-300")]
    [InlineData(0.9, 0.999, double.PositiveInfinity, "Invalid epsilon value: Infinity")]
    public void Cannot_be_built_invalid(double beta1, double beta2, double eps, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new ScaleByAdam(beta1, beta2, eps)).Message);
}
