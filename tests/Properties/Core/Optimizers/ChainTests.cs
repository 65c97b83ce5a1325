using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core.Optimizers;

/// <summary>Chains: a composition equals its steps done by hand, keeps every part's state typed, and nests as written.</summary>
public sealed class ChainTests
{
    [Fact]
    public void Sgd_as_a_chain_equals_torch_optims_steps_by_hand_to_the_bit()
    {
        // g ← g + wd·p; b ← g (step 1) or μ·b + g; g ← g + μ·b (Nesterov); p ← p.add(g, alpha: −lr)
        using var scope = NewDisposeScope();
        var d = new Draws(80);
        const double lr = 0.05, momentum = 0.9, wd = 0.01;
        var chain = Chain.Of(new AddDecayedWeights(wd), new Trace(momentum, nesterov: true), new ScaleByLearningRate(lr));
        var p = TestTrees.Draw(d);
        var (q, b) = (p, Params.Empty);
        var state = chain.Start(p);
        for (var step = 1; step <= 6; step++)
        {
            var g = TestTrees.Draw(d);
            (p, state) = state.Update(p, g, step);
            var decayed = g.Zip(q, (gi, qi) => gi.add(qi, alpha: wd));
            b = step == 1 ? decayed.Map(x => x.detach().clone()) : b.Zip(decayed, (bi, gi) => bi.mul(momentum).add(gi, alpha: 1));
            var look = decayed.Zip(b, (gi, bi) => gi.add(bi, alpha: momentum));
            q = q.Zip(look, (qi, u) => qi.add(u, alpha: -lr));
            TensorAssert.Identical(q, p, $"step {step}");
            Assert.Equal(b.Values.Select(TensorAssert.Bytes), state.Tensors.Select(t => TensorAssert.Bytes(t.Value)));
        }
    }

    [Fact]
    public void Adam_as_a_chain_equals_torch_optims_steps_by_hand_to_the_bit()
    {
        // g ← g + wd·p; m, v, v̂ = max(v̂, v); p ← p.addcdiv(m, √v̂ / √bc₂ + ε, value: −(lr / bc₁))
        using var scope = NewDisposeScope();
        var d = new Draws(81);
        const double lr = 0.01, b1 = 0.85, b2 = 0.95, eps = 1e-6, wd = 0.02;
        var adam = new Adam(lr, b1, b2, eps, wd, Amsgrad: true);
        var p = TestTrees.Draw(d);
        var q = p;
        var (m, v, vMax) = (p.ZerosLike(), p.ZerosLike(), p.ZerosLike());
        var state = adam.Init(p);
        for (var step = 1; step <= 6; step++)
        {
            var g = TestTrees.Draw(d);
            (p, state) = state.Update(p, g, step);
            var decayed = g.Zip(q, (gi, qi) => gi.add(qi, alpha: wd));
            m = m.Zip(decayed, (mi, gi) => mi.mul(b1).add(gi, alpha: 1 - b1));
            v = v.Zip(decayed, (vi, gi) => vi.mul(b2).addcmul(gi, gi, value: 1 - b2));
            vMax = vMax.Zip(v, (a, c) => a.maximum(c));
            var (bc1, bc2) = (1 - Math.Pow(b1, step), 1 - Math.Pow(b2, step));
            var denom = vMax.Map(x => x.sqrt().div(Math.Sqrt(bc2)).add(eps));
            q = q.Zip(m, denom, (qi, mi, di) => qi.addcdiv(mi, di, value: -(lr / bc1)));
            TensorAssert.Identical(q, p, $"step {step}");
            Assert.Equal(m.Values.Concat(v.Values).Concat(vMax.Values).Select(TensorAssert.Bytes), state.Tensors.Select(t => TensorAssert.Bytes(t.Value)));
        }
    }

    [Fact]
    public void A_chain_equals_its_parts_applied_one_after_the_other()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(82);
        var (trace, scale) = (new Trace(0.7, 0.1), new ScaleByLearningRate(0.2));
        Chain<TraceState, EmptyState> chain = trace.Then(scale); // both states typed: no cast anywhere
        var p = TestTrees.Draw(d);
        var (chainState, traceState) = (chain.Init(p), trace.Init(p));
        for (var step = 1; step <= 4; step++)
        {
            var g = TestTrees.Draw(d);
            var (u, next) = chain.Update(new Updates(g), chainState, p, step);
            var (u1, t1) = trace.Update(new Updates(g), traceState, p, step);
            var (u2, _) = scale.Update(u1, EmptyState.Instance, p, step);
            TensorAssert.Identical(u2.ApplyTo(p), u.ApplyTo(p), $"step {step}");
            TensorAssert.Identical(t1.MomentumBuffer, next.First.MomentumBuffer);
            (chainState, traceState) = (next, t1);
        }
        Assert.Equal(["momentum_buffer.w", "momentum_buffer.b"], StateTensors.Named(chainState).Select(t => t.Name));
    }

    [Fact]
    public void Of_leaves_out_missing_parts_and_nests_to_the_right()
    {
        var (a, b, c) = (new AddDecayedWeights(0.1), new Trace(0.9), new ScaleByLearningRate(0.5));
        Assert.Equal(a.Then(b.Then(c)), Chain.Of(a, b, c));
        Assert.Equal(a.Then(c), Chain.Of(null, a, null, c));
        Assert.Equal(c, Chain.Of(c));
        Assert.Throws<ArgumentException>(() => Chain.Of());
        Assert.Throws<ArgumentException>(() => Chain.Of(null, null));
    }

    [Fact]
    public void Disposing_a_chain_state_frees_every_part()
    {
        var p = TestTrees.Draw(new Draws(83));
        var state = new Trace(0.9).Then(new ScaleByAdam()).Init(p);
        var tensors = StateTensors.Named(state).Select(t => t.Value).ToList();
        Assert.Equal(6, tensors.Count);
        state.Dispose();
        Assert.All(tensors, t => Assert.True(t.IsInvalid));
        p.Dispose();
    }

    [Fact]
    public void A_composition_of_ones_own_trains_through_the_pure_step()
    {
        // AdamW's order (optax.adamw): Adam's rescaling, then decoupled weight decay on its value, then −lr. The pending
        // Adam update is materialized for the decay, so this is checked against the formula to 1e-6, not to the bit.
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(2, [3], 1, new Activation.Tanh(), new Activation.Identity());
        var (x, r1) = Rng.Seed(84).Randn(5, 2);
        var (y, r2) = r1.Randn(5, 1);
        var (p0, rng) = Init.Initialize(spec, r2);
        const double lr = 0.01, wd = 0.1;
        var adamW = Chain.Of(new ScaleByAdam(), new AddDecayedWeights(wd), new ScaleByLearningRate(lr));
        var trainer = new Trainer(spec, new Loss.Mse(), new Sgd(0)); // the step updates with the transform its state carries
        var state = new TrainState(p0.Clone(), adamW.Start(p0), 0, rng);
        var (q, m, v) = (p0, p0.ZerosLike(), p0.ZerosLike());
        for (var step = 1; step <= 5; step++)
        {
            var (_, g) = Gradients.Compute(t => trainer.LossAt(t, new Batch(x, y)), q);
            state = trainer.Step(state, new Batch(x, y)).State;
            m = m.Moment(g, 0.9, 0.1);
            v = v.SquaredMoment(g, 0.999, 0.001);
            var (bc1, bc2) = (1 - Math.Pow(0.9, step), 1 - Math.Pow(0.999, step));
            var current = q;
            var update = m.Zip(v, (mi, vi) => mi.div(bc1).div(vi.div(bc2).sqrt().add(1e-8))).Zip(current, (u, pi) => u.add(pi, alpha: wd));
            q = q.Zip(update, (pi, u) => pi.sub(u.mul(lr)));
            for (var i = 0; i < q.Count; i++)
                Assert.True(TensorAssert.MaxRelativeError(q.Values[i], state.Params.Values[i], floor: 1e-6) < 1e-6, $"step {step}, {q.Names[i]}");
        }
        Assert.Equal(5, state.Step);
    }
}
