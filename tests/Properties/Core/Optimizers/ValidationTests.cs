using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Training.Optimizers;
using Xunit;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core.Optimizers;

/// <summary>
/// Every hyper-parameter is checked where torch.optim checks it (PyTorch 2.x's SGD and Adam constructors, unchanged
/// since 1.13), and in addition must be finite: an optimizer builds exactly when torch.optim would accept the value and
/// it is a finite number. The same limits hold for the transforms an optimizer is made of.
/// </summary>
public sealed class ValidationTests
{
    // The values at torch's limits, and whether torch.optim 1.13 accepted each one (measured with /usr/bin/python3:
    // torch.optim.SGD(params, lr=v) and so on, one parameter changed at a time from valid defaults). TorchSharp's own
    // optim.Adam is no oracle here: it accepts NaN for every parameter, where torch.optim refuses it (PITFALLS.md).
    private static readonly double[] Edges =
        [double.NegativeInfinity, -1, -double.Epsilon, -0.0, 0, double.Epsilon, 0.5, 1 - Math.Pow(2, -53), 1, 1 + Math.Pow(2, -52), 1e300, double.PositiveInfinity, double.NaN];

    // Columns follow Edges: -inf, -1, -ε, -0, 0, ε, 0.5, 1-ulp, 1, 1+ulp, 1e300, inf, NaN.
    private const string NonNegativeAcceptsNaN = "XXXoooooooooo"; // lr < 0 raises (NaN passes): SGD's lr, momentum, weight_decay
    private const string NonNegative = "XXXoooooooooX";           // not 0 <= x raises: Adam's lr, eps, weight_decay
    private const string Anything = "ooooooooooooo";              // SGD's dampening: unchecked
    private const string Beta = "XXXoooooXXXXX";                 // not 0 <= β < 1 raises
    private const string NesterovMomentum = "XXXXXoooooooo";      // nesterov with momentum v: momentum <= 0 raises (NaN passes)
    private const string NesterovDampening = "XXXooXXXXXXXX";    // nesterov with dampening v: dampening != 0 raises

    public static TheoryData<string, string> Parameters => new()
    {
        { "sgd lr", NonNegativeAcceptsNaN }, { "sgd momentum", NonNegativeAcceptsNaN }, { "sgd weight_decay", NonNegativeAcceptsNaN },
        { "sgd dampening", Anything }, { "sgd nesterov momentum", NesterovMomentum }, { "sgd nesterov dampening", NesterovDampening },
        { "adam lr", NonNegative }, { "adam beta1", Beta }, { "adam beta2", Beta }, { "adam eps", NonNegative }, { "adam weight_decay", NonNegative },
    };

    private static object Build(string parameter, double v) => parameter switch
    {
        "sgd lr" => new Sgd(v),
        "sgd momentum" => new Sgd(0.1, Momentum: v),
        "sgd weight_decay" => new Sgd(0.1, WeightDecay: v),
        "sgd dampening" => new Sgd(0.1, Momentum: 0.9, Dampening: v),
        "sgd nesterov momentum" => new Sgd(0.1, Momentum: v, Nesterov: true),
        "sgd nesterov dampening" => new Sgd(0.1, Momentum: 0.9, Dampening: v, Nesterov: true),
        "adam lr" => new Adam(v),
        "adam beta1" => new Adam(Beta1: v),
        "adam beta2" => new Adam(Beta2: v),
        "adam eps" => new Adam(Eps: v),
        "adam weight_decay" => new Adam(WeightDecay: v),
        _ => throw new ArgumentException(parameter),
    };

    private static bool Builds(Func<object> build)
    {
        try { build(); return true; }
        catch (ArgumentException) { return false; }
    }

    [Theory]
    [MemberData(nameof(Parameters))]
    public void A_value_is_accepted_exactly_where_torch_optim_accepts_it_and_it_is_finite(string parameter, string torchAccepts)
    {
        Assert.Equal(Edges.Length, torchAccepts.Length);
        var expected = Edges.Select((v, i) => torchAccepts[i] == 'o' && double.IsFinite(v) ? 'o' : 'X');
        var actual = Edges.Select(v => Builds(() => Build(parameter, v)) ? 'o' : 'X');
        Assert.Equal(string.Concat(expected), string.Concat(actual));
    }

    // The transforms hold the same limits as the optimizers built from them.
    public static TheoryData<string, string> TransformParameters => new()
    {
        { "trace momentum", NonNegativeAcceptsNaN }, { "trace dampening", Anything }, { "trace nesterov momentum", NesterovMomentum },
        { "trace nesterov dampening", NesterovDampening }, { "add_decayed_weights", NonNegativeAcceptsNaN },
        { "scale_by_adam beta1", Beta }, { "scale_by_adam beta2", Beta }, { "scale_by_adam eps", NonNegative },
        { "learning rate", NonNegativeAcceptsNaN }, { "member learning rate", NonNegativeAcceptsNaN },
    };

    private static object BuildTransform(string parameter, double v) => parameter switch
    {
        "trace momentum" => new Trace(v),
        "trace dampening" => new Trace(0.9, v),
        "trace nesterov momentum" => new Trace(v, nesterov: true),
        "trace nesterov dampening" => new Trace(0.9, v, nesterov: true),
        "add_decayed_weights" => new AddDecayedWeights(v),
        "scale_by_adam beta1" => new ScaleByAdam(beta1: v),
        "scale_by_adam beta2" => new ScaleByAdam(beta2: v),
        "scale_by_adam eps" => new ScaleByAdam(eps: v),
        "learning rate" => LearningRate.Of(v),
        "member learning rate" => LearningRate.PerMember([0.1, v]),
        _ => throw new ArgumentException(parameter),
    };

    [Theory]
    [MemberData(nameof(TransformParameters))]
    public void A_transform_accepts_a_value_exactly_where_its_optimizer_does(string parameter, string torchAccepts)
    {
        var expected = Edges.Select((v, i) => torchAccepts[i] == 'o' && double.IsFinite(v) ? 'o' : 'X');
        var actual = Edges.Select(v => Builds(() => BuildTransform(parameter, v)) ? 'o' : 'X');
        Assert.Equal(string.Concat(expected), string.Concat(actual));
    }

    // Any double at all, NaN and infinities included (FsCheck's unbounded doubles), against torch's rule as its source states it.
    [Property]
    public void Any_double_builds_an_optimizer_exactly_when_torchs_rule_and_finiteness_allow(double v)
    {
        var finite = double.IsFinite(v);
        Assert.Equal(v >= 0 && finite, Builds(() => new Sgd(v)));
        Assert.Equal(v >= 0 && finite, Builds(() => new Sgd(0.1, Momentum: v)));
        Assert.Equal(finite, Builds(() => new Sgd(0.1, Momentum: 0.9, Dampening: v)));
        Assert.Equal(v > 0 && finite, Builds(() => new Sgd(0.1, Momentum: v, Nesterov: true)));
        Assert.Equal(v == 0, Builds(() => new Sgd(0.1, Momentum: 0.9, Dampening: v, Nesterov: true)));
        Assert.Equal(v >= 0 && v < 1, Builds(() => new Adam(Beta1: v)));
        Assert.Equal(v >= 0 && v < 1, Builds(() => new Adam(Beta2: v)));
        Assert.Equal(v >= 0 && finite, Builds(() => new Adam(Eps: v)));
        Assert.Equal(v >= 0 && finite, Builds(() => new Adam(WeightDecay: v)));
    }

    [Fact]
    public void A_refusal_names_the_parameter_and_the_value_as_torch_optim_does()
    {
        Assert.Equal("Invalid momentum value: -1", Assert.Throws<ArgumentException>(() => new Trace(-1)).Message);
        Assert.Equal("Invalid dampening value: Infinity", Assert.Throws<ArgumentException>(() => new Trace(0.9, double.PositiveInfinity)).Message);
        Assert.Equal("Nesterov momentum requires a momentum and zero dampening", Assert.Throws<ArgumentException>(() => new Trace(0, nesterov: true)).Message);
        Assert.Equal("Invalid weight_decay value: -1", Assert.Throws<ArgumentException>(() => new AddDecayedWeights(-1)).Message);
        Assert.Equal("Invalid beta parameter at index 0: 1", Assert.Throws<ArgumentException>(() => new ScaleByAdam(beta1: 1)).Message);
        Assert.Equal("Invalid beta parameter at index 1: -1", Assert.Throws<ArgumentException>(() => new ScaleByAdam(beta2: -1)).Message);
        Assert.Equal("Invalid epsilon value: NaN", Assert.Throws<ArgumentException>(() => new ScaleByAdam(eps: double.NaN)).Message);
        Assert.Throws<ArgumentNullException>(() => new ScaleByLearningRate(null!));
        Assert.Throws<ArgumentNullException>(() => new Sgd(null!));
    }
}
