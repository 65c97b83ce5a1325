using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>Pending updates: applied in torch.optim's fused order, materialized when a transform needs their value.</summary>
public sealed class UpdatesTests
{
    [Fact]
    public void ApplyTo_is_torch_optims_fused_op_in_each_form()
    {
        using var scope = NewDisposeScope();
        var (p, g, denom, rates) = Draw(70, [0.1f, 0.2f, 0.3f]);
        const double lr = 0.003, bc1 = 0.271;
        // SGD: p.add(g, alpha: -lr)
        TensorAssert.Identical(p.Zip(g, (pi, gi) => pi.add(gi, alpha: -lr)), new Updates(g) { Scale = -lr }.ApplyTo(p), "sgd");
        // Adam: p.addcdiv(m, denom, value: -(lr / bc1))
        TensorAssert.Identical(p.Zip(g, denom, (pi, m, q) => pi.addcdiv(m, q, value: -(lr / bc1))),
            new Updates(g) { Denominator = denom, Divisor = bc1, Scale = -lr }.ApplyTo(p), "adam");
        // SGD per member: p.addcmul(g, rates, value: -1)
        TensorAssert.Identical(p.Zip(g, rates, (pi, gi, r) => pi.addcmul(gi, r, value: -1)),
            new Updates(g) { Factor = rates, Scale = -1 }.ApplyTo(p), "sgd per member");
        // Adam per member: p.addcdiv(m.mul(rates), denom, value: -1 / bc1)
        TensorAssert.Identical(p.Zip(g.Zip(rates, (m, r) => m.mul(r)), denom, (pi, m, q) => pi.addcdiv(m, q, value: -1 / bc1)),
            new Updates(g) { Factor = rates, Denominator = denom, Divisor = bc1, Scale = -1 }.ApplyTo(p), "adam per member");
    }

    [Fact]
    public void Scale_over_divisor_is_torchs_step_size_to_the_bit()
    {
        // The apply's coefficient is (1·−lr) / bc₁ where torch computes −(lr / bc₁): equal because negation is exact and
        // IEEE division rounds symmetrically. Checked over 100,000 random rates, betas and steps.
        var random = new Random(71);
        for (var i = 0; i < 100_000; i++)
        {
            var lr = Math.Pow(10, -6 * random.NextDouble());
            var bc1 = TreeMath.BiasCorrection(random.NextDouble(), random.Next(1, 100_000));
            Assert.Equal(-(lr / bc1), 1 * -lr / bc1);
        }
    }

    [Fact]
    public void Updates_are_plain_only_with_nothing_pending_and_a_single_pending_part_is_materialized()
    {
        using var scope = NewDisposeScope();
        var (_, g, denom, rates) = Draw(73, [0.5f, 2f, 4f]);
        Assert.True(new Updates(g).IsPlain);
        Assert.Same(g, new Updates(g).Materialize().Direction);
        // Each pending part alone (Adam with β₁ = 0 leaves a denominator with divisor 1 − 0ᵗ = 1, for one).
        (Updates Pending, Params Expected)[] single =
        [
            (new Updates(g) { Denominator = denom }, g.Zip(denom, (x, y) => x.div(y))),
            (new Updates(g) { Factor = rates }, g.Zip(rates, (x, y) => x.mul(y))),
            (new Updates(g) { Scale = -0.5 }, g.Map(x => x.mul(-0.5))),
            (new Updates(g) { Divisor = 4 }, g.Map(x => x.mul(0.25))),
        ];
        foreach (var (pending, expected) in single)
        {
            Assert.False(pending.IsPlain);
            var value = pending.Materialize();
            Assert.True(value.IsPlain);
            TensorAssert.Identical(expected, value.Direction);
        }
    }

    [Fact]
    public void Materialize_computes_the_pending_value()
    {
        using var scope = NewDisposeScope();
        var (p, g, denom, rates) = Draw(72, [0.5f, 2f, 4f]);
        var pending = new Updates(g) { Factor = rates, Denominator = denom, Divisor = 0.5, Scale = -0.01 };
        var value = pending.Materialize();
        Assert.True(value.IsPlain);
        TensorAssert.Identical(g.Zip(rates, (x, r) => x.mul(r)).Zip(denom, (x, q) => x.div(q)).Map(x => x.mul(-0.02)), value.Direction);
        // Adding the value after is the unfused form: close to the fused apply, not always equal to it.
        var fused = pending.ApplyTo(p);
        var unfused = p.Zip(value.Direction, (pi, u) => pi.add(u));
        for (var i = 0; i < p.Count; i++)
            Assert.True(TensorAssert.MaxRelativeError(fused.Values[i], unfused.Values[i], floor: 1e-6) < 1e-6);
        var plain = new Updates(g);
        Assert.Same(plain, plain.Materialize());
    }

    // Params, a direction, a positive denominator and three member rates shaped to broadcast over w [3, 2] and b [3].
    private static (Params P, Params G, Params Denominator, Params Rates) Draw(int seed, float[] rates)
    {
        var d = new Draws(seed);
        var (p, g) = (TestTrees.Draw(d), TestTrees.Draw(d));
        var denom = TestTrees.Draw(d).Map(t => t.abs().add(0.1));
        return (p, g, denom, new Params(["w", "b"], [tensor(rates).view(3, 1), tensor(rates)]));
    }
}
