using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>Trace alone: torch.optim.SGD's momentum buffer, first-step rule, dampening and Nesterov, by hand.</summary>
public sealed class TraceTests
{
    [Fact]
    public void The_first_step_copies_the_update_whatever_the_buffer_holds()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(1);
        var (p, g) = (TestTrees.Draw(d), TestTrees.Draw(d));
        var trace = new Trace(0.9, dampening: 0.5);
        // torch.optim starts the buffer as a copy of the first gradient, undampened, even where a restored buffer is non-zero.
        foreach (var state in new[] { trace.Init(p), trace.Restore(p, TestTrees.Named("momentum_buffer", TestTrees.Draw(d))) })
        {
            var (u, next) = trace.Update(new Updates(g), state, p, step: 1);
            TensorAssert.Identical(g, next.MomentumBuffer);
            TensorAssert.Identical(g, u.Direction);
            Assert.True(u.IsPlain);
            Assert.DoesNotContain(next.MomentumBuffer.Values, t => g.Values.Any(x => ReferenceEquals(x, t)));
        }
    }

    [Theory]
    [InlineData(0.9, 0.0, false)]
    [InlineData(0.8, 0.3, false)]
    [InlineData(0.9, 0.0, true)]
    public void Later_steps_follow_torch_optim_SGD(double momentum, double dampening, bool nesterov)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(2);
        var (p, g, b) = (TestTrees.Draw(d), TestTrees.Draw(d), TestTrees.Draw(d));
        var trace = new Trace(momentum, dampening, nesterov);
        var (u, next) = trace.Update(new Updates(g), new TraceState(b), p, step: 7);
        var buffer = b.Zip(g, (bi, gi) => bi.mul(momentum).add(gi, alpha: 1 - dampening));
        TensorAssert.Identical(buffer, next.MomentumBuffer);
        TensorAssert.Identical(nesterov ? g.Zip(buffer, (gi, bi) => gi.add(bi, alpha: momentum)) : buffer, u.Direction);
    }

    [Fact]
    public void A_pending_update_is_materialized_first()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(3);
        var (p, g, b) = (TestTrees.Draw(d), TestTrees.Draw(d), TestTrees.Draw(d));
        var trace = new Trace(0.5);
        var pending = new Updates(g) { Scale = -0.25 };
        var (u, _) = trace.Update(pending, new TraceState(b), p, step: 2);
        TensorAssert.Identical(b.Zip(g.Map(x => x.mul(-0.25)), (bi, gi) => bi.mul(0.5).add(gi, alpha: 1)), u.Direction);
    }

    [Fact]
    public void Its_state_is_torch_optims_momentum_buffer()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(4);
        var p = TestTrees.Draw(d);
        var trace = new Trace(0.9);
        using var state = trace.Init(p);
        Assert.Equal(["momentum_buffer.w", "momentum_buffer.b"], StateTensors.Named(state).Select(t => t.Name));
        var saved = TestTrees.Draw(d);
        TensorAssert.Identical(saved, trace.Restore(p, TestTrees.Named("momentum_buffer", saved)).MomentumBuffer);
        Assert.Equal("optimizer state lacks 'momentum_buffer.b'",
            Assert.Throws<InvalidDataException>(() => trace.Restore(p, new Dictionary<string, Tensor> { ["momentum_buffer.w"] = zeros(3, 2) })).Message);
    }

    [Theory]
    [InlineData(-1e-300, 0.0, false, "Invalid momentum value: -1E-300")]
    [InlineData(double.NaN, 0.0, false, "Invalid momentum value: NaN")]
    [InlineData(0.9, double.PositiveInfinity, false, "Invalid dampening value: Infinity")]
    [InlineData(0.0, 0.0, true, "Nesterov momentum requires a momentum and zero dampening")]
    [InlineData(0.9, 0.1, true, "Nesterov momentum requires a momentum and zero dampening")]
    public void Cannot_be_built_invalid(double momentum, double dampening, bool nesterov, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new Trace(momentum, dampening, nesterov)).Message);
}
