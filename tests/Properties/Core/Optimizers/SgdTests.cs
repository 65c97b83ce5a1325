using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>SGD: torch.optim.SGD's arithmetic, its validation limits, its per-member rates, its forms as data and text.</summary>
public sealed class SgdTests
{
    public static TheoryData<string> Configs => new() { "plain", "momentum", "dampening", "nesterov", "weight_decay", "all" };

    private static Sgd Config(string name) => name switch
    {
        "plain" => new Sgd(0.1),
        "momentum" => new Sgd(0.05, Momentum: 0.9),
        "dampening" => new Sgd(0.05, Momentum: 0.8, Dampening: 0.3),
        "nesterov" => new Sgd(0.05, Momentum: 0.9, Nesterov: true),
        "weight_decay" => new Sgd(0.1, WeightDecay: 0.01),
        _ => new Sgd(0.03, Momentum: 0.7, Nesterov: true, WeightDecay: 0.05),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Equals_torch_optim_SGD_over_50_steps(string config)
    {
        var sgd = Config(config);
        TorchOracle.AssertMatches(sgd, ps => TorchOracle.Sgd(ps, sgd), steps: 50, rows: 3, cols: 4, gradScale: 1, seed: config.Length);
    }

    [Property]
    public void Equals_torch_optim_SGD_with_random_hyper_parameters(SgdCase c) =>
        TorchOracle.AssertMatches(c.Sgd, ps => TorchOracle.Sgd(ps, c.Sgd), c.Steps, c.Rows, c.Cols, c.GradScale, c.Seed);

    [Fact]
    public void Is_the_chain_of_its_transforms_with_the_parts_it_needs()
    {
        Assert.Equal(new ScaleByLearningRate(0.1), new Sgd(0.1).Transform);
        Assert.Equal(new Trace(0.9, 0, true).Then(new ScaleByLearningRate(0.1)), new Sgd(0.1, 0.9, Nesterov: true).Transform);
        Assert.Equal(new AddDecayedWeights(0.01).Then(new Trace(0.9, 0.2).Then(new ScaleByLearningRate(0.1))),
            new Sgd(0.1, 0.9, 0.2, WeightDecay: 0.01).Transform);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false, 0.0)]          // lr 0, momentum 0, weight decay 0: torch.optim's lower limits, all accepted
    [InlineData(0.1, 0.9, 0.0, true, 0.0)]           // Nesterov with a momentum and no dampening
    [InlineData(0.1, 0.9, -3.0, false, 0.0)]         // torch.optim does not bound dampening
    [InlineData(0.1, 0.9, 1.5, false, 0.0)]
    [InlineData(1e300, 1e300, 0.0, false, 1e300)]    // large but finite
    public void Builds_at_and_inside_torch_optims_limits(double lr, double momentum, double dampening, bool nesterov, double weightDecay)
    {
        var sgd = new Sgd(lr, momentum, dampening, nesterov, weightDecay);
        Assert.Equal((LearningRate)lr, sgd.Lr);
        Assert.Equal((momentum, dampening, nesterov, weightDecay), (sgd.Momentum, sgd.Dampening, sgd.Nesterov, sgd.WeightDecay));
    }

    [Theory]
    [InlineData(-double.Epsilon, 0.0, 0.0, false, 0.0, "Invalid learning rate: -5E-324")]
    [InlineData(double.NaN, 0.0, 0.0, false, 0.0, "Invalid learning rate: NaN")]
    [InlineData(double.PositiveInfinity, 0.0, 0.0, false, 0.0, "Invalid learning rate: Infinity")]
    [InlineData(0.1, -double.Epsilon, 0.0, false, 0.0, "Invalid momentum value: -5E-324")]
    [InlineData(0.1, double.NaN, 0.0, false, 0.0, "Invalid momentum value: NaN")]
    [InlineData(0.1, 0.0, 0.0, false, -double.Epsilon, "Invalid weight_decay value: -5E-324")]
    [InlineData(0.1, 0.0, 0.0, false, double.PositiveInfinity, "Invalid weight_decay value: Infinity")]
    [InlineData(0.1, 0.9, double.NaN, false, 0.0, "Invalid dampening value: NaN")]
    [InlineData(0.1, 0.0, 0.0, true, 0.0, "Nesterov momentum requires a momentum and zero dampening")]
    [InlineData(0.1, 0.9, 0.1, true, 0.0, "Nesterov momentum requires a momentum and zero dampening")]
    public void Cannot_be_built_outside_torch_optims_limits(double lr, double momentum, double dampening, bool nesterov, double weightDecay, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new Sgd(lr, momentum, dampening, nesterov, weightDecay)).Message);

    [Fact]
    public void With_copies_through_the_constructor_checks()
    {
        var sgd = new Sgd(0.1, Momentum: 0.9);
        Assert.Equal(sgd, sgd.With());
        Assert.Equal(new Sgd(0.1, 0.9, Nesterov: true), sgd.With(nesterov: true));
        Assert.Equal(new Sgd(0.2, 0.9), sgd.With(lr: 0.2));
        Assert.Equal(new Sgd(0.1, 0.5), sgd.With(momentum: 0.5));
        Assert.Equal(new Sgd(0.1, 0.9, 0.25), sgd.With(dampening: 0.25));
        Assert.Equal(new Sgd(0.1, 0.9, WeightDecay: 0.125), sgd.With(weightDecay: 0.125));
        var all = new Sgd(0.3, 0.7, 0.2, false, 0.01);
        Assert.Equal(all, all.With());
        Assert.Equal("Invalid momentum value: -1", Assert.Throws<ArgumentException>(() => sgd.With(momentum: -1)).Message);
        Assert.Throws<ArgumentException>(() => sgd.With(momentum: 0, nesterov: true));
    }

    [Fact]
    public void Prints_culture_invariant_one_line_without_defaults()
    {
        Culture.Under("de-DE", () =>
        {
            Assert.Equal("sgd(lr=0.1)", new Sgd(0.1).ToString());
            Assert.Equal("sgd(lr=0.05, momentum=0.9, dampening=0.25, weight_decay=0.001)", new Sgd(0.05, 0.9, 0.25, WeightDecay: 1e-3).ToString());
            Assert.Equal("sgd(lr=0.05, momentum=0.9, nesterov)", new Sgd(0.05, 0.9, Nesterov: true).ToString());
            Assert.Equal("sgd(lr=[0.1, 0.25])", new Sgd(LearningRate.PerMember([0.1, 0.25])).ToString());
        });
    }

    [Fact]
    public void Is_stored_as_data_with_every_hyper_parameter()
    {
        var sgd = new Sgd(0.01, Momentum: 0.9, Nesterov: true);
        Assert.Equal("""{"kind":"sgd","lr":0.01,"momentum":0.9,"dampening":0,"nesterov":true,"weight_decay":0}""", sgd.ToJson());
        Assert.Equal(sgd, Optimizer.FromJson(sgd.ToJson()));
        var members = new Sgd(LearningRate.PerMember([0.1, 0.5, 1]), WeightDecay: 0.25);
        Assert.Equal("""{"kind":"sgd","lr":[0.1,0.5,1],"momentum":0,"dampening":0,"nesterov":false,"weight_decay":0.25}""", members.ToJson());
        Assert.Equal(members, Optimizer.FromJson(members.ToJson()));
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.9, 0.0, 0.0)]
    [InlineData(0.9, 0.3, 0.01)]
    public void Per_member_rates_equal_K_single_runs(double momentum, double dampening, double weightDecay) =>
        MemberRuns.AssertEqualSingleRuns(lr => new Sgd(lr, momentum, dampening, WeightDecay: weightDecay), [0.05, 0.5, 0, 0.2], steps: 20, seed: 3);

    [Fact]
    public void Per_member_step_keeps_the_ensembles_arithmetic_to_the_bit()
    {
        // p.addcmul(g, rates, value: -1): what XorEnsemble's snapshots were made with.
        using var scope = NewDisposeScope();
        var d = new Draws(11);
        var p = new Params(["w"], [d.Normal([3, 2, 2]).to(ScalarType.Float32)]);
        var g = new Params(["w"], [d.Normal([3, 2, 2]).to(ScalarType.Float32)]);
        double[] rates = [0.01, 0.1, 0.37];
        var (next, _) = new Sgd(LearningRate.PerMember(rates)).Init(p).Update(p, g, step: 1);
        var expected = p["w"].addcmul(g["w"], tensor(rates, dtype: ScalarType.Float32).view(3, 1, 1), value: -1);
        Assert.Equal(TensorAssert.Bytes(expected), TensorAssert.Bytes(next["w"]));
    }
}
