using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Training.Ensembles;
using Functional.Training.Optimizers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core;

/// <summary>
/// Ensembles: K members stacked along a leading dimension train as one computation and each member does what it would
/// do alone. Member k's loss is its loss on its own slice, an ensemble step equals K single steps, and members of
/// different shapes padded into one envelope (<see cref="MemberLayout"/>) compute what their own specs compute.
/// </summary>
public sealed class EnsembleTests
{
    private const double Relative = 1e-5, Relative64 = 1e-10;

    private static Params Stacked(MlpSpec spec, int k, int seed, ScalarType dtype = ScalarType.Float32) =>
        Ensemble.Stack([.. Enumerable.Range(0, k).Select(m => Init.Initialize(spec, Rng.Seed(seed + m)).Value.Map(t => t.to(dtype)))]);

    [Property(MaxTest = 40)]
    public void Each_members_loss_is_the_loss_on_its_own_slice(NetCase c, Matrix shape)
    {
        using var scope = NewDisposeScope();
        var k = shape.Rows;
        var d = new Draws(c.Seed);
        var spec = c.Spec;
        long[] outShape = spec.SqueezeOutput ? [k, c.Batch] : [k, c.Batch, spec.Outputs];
        var (output, target) = c.Loss switch
        {
            Loss.Mse => (d.Normal(outShape), d.Normal(outShape)),
            Loss.Bce => (d.Uniform(outShape, 0.05, 0.95), d.Uniform(outShape, 0, 1)),
            Loss.Nll => (new Activation.LogSoftmax().Apply(d.Normal([k, c.Batch, spec.Outputs])), d.Classes(k * c.Batch, spec.Outputs).reshape(k, c.Batch)),
            _ => (d.Normal([k, c.Batch, spec.Outputs]), d.Classes(k * c.Batch, spec.Outputs).reshape(k, c.Batch)),
        };
        var losses = Ensemble.PerMember(c.Loss, output, target);
        Assert.Equal([(long)k], losses.shape);
        for (var m = 0; m < k; m++)
            TensorAssert.Close(c.Loss.Compute(output[m], target[m]).ToDouble(), losses[m].ToDouble(), 1e-12, $"{c.Loss.Name} member {m}");
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("bce")]
    public void Mse_and_Bce_per_member_refuse_outputs_shaped_unlike_their_targets(string name)
    {
        using var scope = NewDisposeScope();
        Loss loss = name == "mse" ? new Loss.Mse() : new Loss.Bce();
        Assert.Equal($"{name}: output shape [2, 3, 1] differs from target shape [2, 3]",
            Assert.Throws<ArgumentException>(() => Ensemble.PerMember(loss, full(new long[] { 2, 3, 1 }, 0.5f), full(new long[] { 2, 3 }, 0.5f))).Message);
    }

    [Fact]
    public void Stacking_puts_member_k_at_index_k_and_taking_it_out_copies_it()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(2, [3], 1, new Activation.Tanh(), new Activation.Identity());
        var members = Enumerable.Range(0, 3).Select(m => Init.Initialize(spec, Rng.Seed(m)).Value).ToArray();
        var stacked = Ensemble.Stack(members);
        Assert.Equal(3, Ensemble.Size(stacked));
        Assert.Equal(members[0].Names.ToArray(), stacked.Names.ToArray());
        for (var m = 0; m < 3; m++)
        {
            var back = Ensemble.Member(stacked, m);
            TensorAssert.Identical(members[m], back);
            Assert.DoesNotContain(back.Values, t => stacked.Values.Any(s => ReferenceEquals(s, t)));
        }
        Assert.Equal("an ensemble needs at least one member", Assert.Throws<ArgumentException>(() => Ensemble.Stack([])).Message);
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "adam" };

    private static Optimizer Make(string name) => name == "sgd" ? new Sgd(0.1, Momentum: 0.9) : new Adam(0.01, Amsgrad: true);

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void An_ensemble_step_is_K_single_steps(string optimizer)
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(3, [4], 2, new Activation.Tanh(), new Activation.Identity());
        const int k = 3;
        var ensemble = new EnsembleTrainer(spec, new Loss.Mse(), Make(optimizer));
        var single = new Trainer(spec, new Loss.Mse(), Make(optimizer));
        var d = new Draws(8);
        var (x, y) = (d.Normal([k, 5, 3]).to(ScalarType.Float32), d.Normal([k, 5, 2]).to(ScalarType.Float32));
        var state = ensemble.Start(Stacked(spec, k, 20), Rng.Seed(2));
        var singles = Enumerable.Range(0, k).Select(m => single.Start(Ensemble.Member(state.Params, m), Rng.Seed(2))).ToArray();
        for (var step = 1; step <= 3; step++)
        {
            var (next, log) = ensemble.Step(state, new Batch(x, y));
            Assert.Equal(step, next.Step);
            Assert.Equal(k, log.MemberLosses!.Count);
            Assert.Equal(log.MemberLosses.Sum() / k, log.Loss, 12);
            for (var m = 0; m < k; m++)
            {
                var (alone, aloneLog) = single.Step(singles[m], new Batch(x[m], y[m]));
                TensorAssert.Close(aloneLog.Loss, log.MemberLosses[m], Relative, $"step {step}, member {m} loss");
                var mine = Ensemble.Member(next.Params, m);
                for (var i = 0; i < mine.Count; i++)
                    Assert.True(TensorAssert.MaxRelativeError(alone.Params.Values[i], mine.Values[i], floor: 1e-6) <= Relative,
                        $"step {step}, member {m}, {mine.Names[i]}");
                singles[m] = alone;
            }
            state = next;
        }
    }

    [Property(MaxTest = 30)]
    public Property Padded_members_compute_and_learn_what_their_own_specs_do() =>
        Prop.ForAll(Arbitraries.EnsembleMembers.ToArbitrary(), specs =>
        {
            using var scope = NewDisposeScope();
            using var layout = new MemberLayout(specs);
            // Float64, so that only the arithmetic can differ, not the order of float32 sums.
            var own = specs.Select((s, m) => Init.Initialize(s, Rng.Seed(m)).Value.Map(t => t.to(ScalarType.Float64))).ToArray();
            var stacked = Ensemble.Stack([.. own.Select(layout.Pad)]);
            var d = new Draws(specs.Length);
            var inputs = specs.Select(s => d.Normal([6, s.Inputs])).ToArray();
            var targets = d.Normal([specs.Length, 6, specs[0].Outputs]);
            var x = stack(inputs.Select(layout.PadInputs).ToArray());
            var ensemble = new EnsembleTrainer(layout.Envelope, new Loss.Mse(), new Sgd(0.5)) { Layout = layout };
            var output = ensemble.Forward(stacked, x);
            for (var m = 0; m < specs.Length; m++)
                Assert.True(TensorAssert.MaxRelativeError(Mlp.Forward(specs[m], own[m], inputs[m]), output[m], floor: 1e-6) <= Relative64, $"member {m} forward");
            var (next, log) = ensemble.Step(ensemble.Start(stacked, Rng.Seed(0)), new Batch(x, targets));
            for (var m = 0; m < specs.Length; m++)
            {
                var alone = new Trainer(specs[m], new Loss.Mse(), new Sgd(0.5));
                var (single, singleLog) = alone.Step(alone.Start(own[m], Rng.Seed(0)), new Batch(inputs[m], targets[m]));
                TensorAssert.Close(singleLog.Loss, log.MemberLosses![m], Relative64, $"member {m} loss");
                var mine = layout.Unpad(next.Params, m);
                for (var i = 0; i < mine.Count; i++)
                    Assert.True(TensorAssert.MaxRelativeError(single.Params.Values[i], mine.Values[i], floor: 1e-6) <= Relative64, $"member {m}, {mine.Names[i]}");
            }
        });

    [Fact]
    public void Members_of_one_spec_need_no_padding_and_an_input_as_wide_as_the_envelope_is_not_copied()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(3, [4], 1, new Activation.Tanh(), new Activation.Identity());
        using var same = new MemberLayout([spec, spec]);
        Assert.False(same.IsPadded);
        Assert.Equal(spec, same.Envelope);
        using var mixed = new MemberLayout([spec, spec with { Inputs = 2, Hidden = [6] }]);
        Assert.True(mixed.IsPadded);
        Assert.Equal(new MlpSpec(3, [6], 1, new Activation.Tanh(), new Activation.Identity()), mixed.Envelope);
        var wide = ones(2, 3);
        var aliased = mixed.PadInputs(wide);
        Assert.False(ReferenceEquals(wide, aliased));
        wide.add_(1); // a test's own tensor: the alias sees the change, so it shares the storage
        Assert.Equal(TensorAssert.Bytes(wide), TensorAssert.Bytes(aliased));
        Assert.Equal([1.0, 1.0, 0.0, 1.0, 1.0, 0.0], TensorAssert.Values(mixed.PadInputs(ones(2, 2))));
    }

    [Fact]
    public void Members_must_share_the_layer_count_outputs_head_and_squeeze()
    {
        var spec = new MlpSpec(3, [4], 1, new Activation.Tanh(), new Activation.Identity());
        const string message = "ensemble members must share the number of layers, the outputs, the head and the squeeze";
        foreach (var other in new[] { spec with { Hidden = [4, 4] }, spec with { Outputs = 2 }, spec with { Head = new Activation.Sigmoid() }, spec with { SqueezeOutput = true } })
            Assert.Equal(message, Assert.Throws<ArgumentException>(() => new MemberLayout([spec, other])).Message);
        Assert.Equal("an ensemble needs at least one member", Assert.Throws<ArgumentException>(() => new MemberLayout([])).Message);
    }

    [Fact]
    public void A_layout_frees_its_masks()
    {
        var specs = new[] { new MlpSpec(2, [3, 2], 1, new Activation.Tanh(), new Activation.Identity()), new MlpSpec(2, [2, 2], 1, new Activation.Relu(), new Activation.Identity()) };
        var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new MemberLayout(specs).Dispose();
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
