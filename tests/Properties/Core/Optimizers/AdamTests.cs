using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core.Optimizers;

/// <summary>Adam: torch.optim.Adam's arithmetic, its validation limits, its per-member rates, its forms as data and text.</summary>
public sealed class AdamTests
{
    public static TheoryData<string> Configs => new() { "plain", "betas", "eps", "weight_decay", "amsgrad", "all" };

    private static Adam Config(string name) => name switch
    {
        "plain" => new Adam(0.01),
        "betas" => new Adam(0.01, Beta1: 0.8, Beta2: 0.99),
        "eps" => new Adam(0.01, Eps: 1e-3),
        "weight_decay" => new Adam(0.01, WeightDecay: 0.1),
        "amsgrad" => new Adam(0.01, Amsgrad: true),
        _ => new Adam(0.005, 0.85, 0.95, 1e-6, 0.02, true),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Equals_torch_optim_Adam_over_50_steps(string config)
    {
        var adam = Config(config);
        TorchOracle.AssertMatches(adam, ps => TorchOracle.Adam(ps, adam), steps: 50, rows: 3, cols: 4, gradScale: 1, seed: 100 + config.Length);
    }

    [Property]
    public void Equals_torch_optim_Adam_with_random_hyper_parameters(AdamCase c) =>
        TorchOracle.AssertMatches(c.Adam, ps => TorchOracle.Adam(ps, c.Adam), c.Steps, c.Rows, c.Cols, c.GradScale, c.Seed);

    [Fact]
    public void Is_the_chain_of_its_transforms_with_the_parts_it_needs()
    {
        Assert.Equal(new ScaleByAdam().Then(new ScaleByLearningRate(1e-3)), new Adam().Transform);
        Assert.Equal(new AddDecayedWeights(0.1).Then(new ScaleByAdam(0.8, 0.99, 1e-6, true).Then(new ScaleByLearningRate(0.01))),
            new Adam(0.01, 0.8, 0.99, 1e-6, 0.1, true).Transform);
    }

    [Fact]
    public void Defaults_are_PyTorchs()
    {
        var adam = new Adam();
        Assert.Equal((LearningRate)1e-3, adam.Lr);
        Assert.Equal((0.9, 0.999, 1e-8, 0.0, false), (adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay, adam.Amsgrad));
    }

    [Theory]
    [InlineData(0.0, 0.9, 0.999, 1e-8, 0.0)]                    // lr 0
    [InlineData(1e-3, 0.0, 0.999, 1e-8, 0.0)]                   // beta1 0
    [InlineData(1e-3, 0.9, 0.0, 1e-8, 0.0)]                     // beta2 0
    [InlineData(1e-3, 0.9999999999999999, 0.9999999999999999, 1e-8, 0.0)] // the largest doubles below 1
    [InlineData(1e-3, 0.9, 0.999, 0.0, 0.0)]                    // eps 0
    [InlineData(1e-3, 0.9, 0.999, 1e-8, 0.0)]                   // weight decay 0
    public void Builds_at_and_inside_torch_optims_limits(double lr, double beta1, double beta2, double eps, double weightDecay)
    {
        var adam = new Adam(lr, beta1, beta2, eps, weightDecay);
        Assert.Equal((LearningRate)lr, adam.Lr);
        Assert.Equal((beta1, beta2, eps, weightDecay), (adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay));
    }

    [Theory]
    [InlineData(-double.Epsilon, 0.9, 0.999, 1e-8, 0.0, "Invalid learning rate: -5E-324")]
    [InlineData(double.PositiveInfinity, 0.9, 0.999, 1e-8, 0.0, "Invalid learning rate: Infinity")]
    [InlineData(1e-3, 1.0, 0.999, 1e-8, 0.0, "Invalid beta parameter at index 0: 1")]
    [InlineData(1e-3, -double.Epsilon, 0.999, 1e-8, 0.0, "Invalid beta parameter at index 0: -5E-324")]
    [InlineData(1e-3, double.NaN, 0.999, 1e-8, 0.0, "Invalid beta parameter at index 0: NaN")]
    [InlineData(1e-3, 0.9, 1.0, 1e-8, 0.0, "Invalid beta parameter at index 1: 1")]
    [InlineData(1e-3, 0.9, -double.Epsilon, 1e-8, 0.0, "Invalid beta parameter at index 1: -5E-324")]
    [InlineData(1e-3, 0.9, 0.999, -double.Epsilon, 0.0, "Invalid epsilon value: -5E-324")]
    [InlineData(1e-3, 0.9, 0.999, double.NaN, 0.0, "Invalid epsilon value: NaN")]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, -double.Epsilon, "Invalid weight_decay value: -5E-324")]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, double.PositiveInfinity, "Invalid weight_decay value: Infinity")]
    public void Cannot_be_built_outside_torch_optims_limits(double lr, double beta1, double beta2, double eps, double weightDecay, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new Adam(lr, beta1, beta2, eps, weightDecay)).Message);

    [Fact]
    public void With_copies_through_the_constructor_checks()
    {
        var adam = new Adam(0.01, WeightDecay: 0.1);
        Assert.Equal(adam, adam.With());
        Assert.Equal(new Adam(0.01, WeightDecay: 0.1, Amsgrad: true), adam.With(amsgrad: true));
        Assert.Equal(new Adam(0.01, 0.5, WeightDecay: 0.1), adam.With(beta1: 0.5));
        Assert.Equal(new Adam(0.25, WeightDecay: 0.1), adam.With(lr: 0.25));
        Assert.Equal(new Adam(0.01, Beta2: 0.5, WeightDecay: 0.1), adam.With(beta2: 0.5));
        Assert.Equal(new Adam(0.01, Eps: 0.125, WeightDecay: 0.1), adam.With(eps: 0.125));
        Assert.Equal(new Adam(0.01, WeightDecay: 0.5), adam.With(weightDecay: 0.5));
        var all = new Adam(0.3, 0.7, 0.8, 1e-3, 0.01, true);
        Assert.Equal(all, all.With());
        Assert.Equal("Invalid beta parameter at index 1: 1", Assert.Throws<ArgumentException>(() => adam.With(beta2: 1)).Message);
    }

    [Fact]
    public void Prints_culture_invariant_one_line_without_defaults()
    {
        Culture.Under("de-DE", () =>
        {
            Assert.Equal("adam(lr=0.001)", new Adam().ToString());
            Assert.Equal("adam(lr=0.005, betas=(0.85, 0.95), eps=1E-06, weight_decay=0.02, amsgrad)", new Adam(0.005, 0.85, 0.95, 1e-6, 0.02, true).ToString());
            Assert.Equal("adam(lr=[0.001, 0.01])", new Adam(LearningRate.PerMember([1e-3, 1e-2])).ToString());
        });
    }

    [Fact]
    public void Is_stored_as_data_with_every_hyper_parameter()
    {
        var adam = new Adam();
        Assert.Equal("""{"kind":"adam","lr":0.001,"betas":[0.9,0.999],"eps":1E-08,"weight_decay":0,"amsgrad":false}""", adam.ToJson());
        Assert.Equal(adam, Optimizer.FromJson(adam.ToJson()));
        var other = new Adam(LearningRate.PerMember([1e-3, 3e-3]), 0, 0.5, 0, 0.125, true);
        Assert.Equal("""{"kind":"adam","lr":[0.001,0.003],"betas":[0,0.5],"eps":0,"weight_decay":0.125,"amsgrad":true}""", other.ToJson());
        Assert.Equal(other, Optimizer.FromJson(other.ToJson()));
    }

    [Theory]
    [InlineData(0.9, 0.999, 0.0, false)]
    [InlineData(0.8, 0.99, 0.01, false)]
    [InlineData(0.9, 0.999, 0.0, true)]
    public void Per_member_rates_equal_K_single_runs(double beta1, double beta2, double weightDecay, bool amsgrad) =>
        MemberRuns.AssertEqualSingleRuns(lr => new Adam(lr, beta1, beta2, WeightDecay: weightDecay, Amsgrad: amsgrad), [1e-3, 0.05, 0, 0.01], steps: 20, seed: 5);

    [Fact]
    public void Per_member_step_keeps_the_ensembles_arithmetic_to_the_bit()
    {
        // p.addcdiv(m.mul(rates), (√v / √bc₂).add(eps), value: −1 / bc₁), from a state three steps in.
        using var scope = NewDisposeScope();
        var d = new Draws(12);
        var shape = new long[] { 2, 3, 2 };
        var p = new Params(["w"], [d.Normal(shape).to(ScalarType.Float32)]);
        var g = new Params(["w"], [d.Normal(shape).to(ScalarType.Float32)]);
        var m0 = d.Normal(shape).to(ScalarType.Float32);
        var v0 = d.Normal(shape).abs().to(ScalarType.Float32);
        double[] rates = [0.01, 0.2];
        var adam = new Adam(LearningRate.PerMember(rates), 0.8, 0.95);
        var state = adam.Restore(p, new Dictionary<string, Tensor> { ["exp_avg.w"] = m0.clone(), ["exp_avg_sq.w"] = v0.clone() });
        var (next, _) = state.Update(p, g, step: 4);
        var m = m0.mul(0.8).add(g["w"], alpha: 1 - 0.8);
        var v = v0.mul(0.95).addcmul(g["w"], g["w"], value: 1 - 0.95);
        var bc1 = 1 - Math.Pow(0.8, 4);
        var denom = v.sqrt().div(Math.Sqrt(1 - Math.Pow(0.95, 4))).add(1e-8);
        var expected = p["w"].addcdiv(m.mul(tensor(rates, dtype: ScalarType.Float32).view(2, 1, 1)), denom, value: -1 / bc1);
        Assert.Equal(TensorAssert.Bytes(expected), TensorAssert.Bytes(next["w"]));
    }
}
