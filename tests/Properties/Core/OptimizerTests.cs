using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Parameter = TorchSharp.Modules.Parameter;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using Adam = Functional.Training.Optimizers.Adam;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>Each pure optimizer's Update equals torch.optim's in-place step on the same params and gradients.</summary>
public sealed class OptimizerTests
{
    public static TheoryData<string> SgdConfigs => new() { "plain", "momentum", "dampening", "nesterov", "weight_decay", "all" };
    public static TheoryData<string> AdamConfigs => new() { "plain", "betas", "eps", "weight_decay", "amsgrad", "all" };

    [Theory]
    [MemberData(nameof(SgdConfigs))]
    public void Sgd_update_equals_torch_optim_SGD_over_50_steps(string config)
    {
        var sgd = config switch
        {
            "plain" => new Sgd(0.1),
            "momentum" => new Sgd(0.05, Momentum: 0.9),
            "dampening" => new Sgd(0.05, Momentum: 0.8, Dampening: 0.3),
            "nesterov" => new Sgd(0.05, Momentum: 0.9, Nesterov: true),
            "weight_decay" => new Sgd(0.1, WeightDecay: 0.01),
            _ => new Sgd(0.03, Momentum: 0.7, Nesterov: true, WeightDecay: 0.05),
        };
        AssertMatches(sgd, ps => optim.SGD(ps, Arbitraries.Lr(sgd.Lr), sgd.Momentum, sgd.Dampening, sgd.WeightDecay, sgd.Nesterov), seed: config.Length);
    }

    [Theory]
    [MemberData(nameof(AdamConfigs))]
    public void Adam_update_equals_torch_optim_Adam_over_50_steps(string config)
    {
        var adam = config switch
        {
            "plain" => new Adam(0.01),
            "betas" => new Adam(0.01, Beta1: 0.8, Beta2: 0.99),
            "eps" => new Adam(0.01, Eps: 1e-3),
            "weight_decay" => new Adam(0.01, WeightDecay: 0.1),
            "amsgrad" => new Adam(0.01, Amsgrad: true),
            _ => new Adam(0.005, 0.85, 0.95, 1e-6, 0.02, true),
        };
        AssertMatches(adam, ps => optim.Adam(ps, Arbitraries.Lr(adam.Lr), adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay, adam.Amsgrad), seed: 100 + config.Length);
    }

    private static void AssertMatches(Optimizer pure, Func<IEnumerable<Parameter>, OptimizerHelper> makeTorch, int seed)
    {
        using var scope = NewDisposeScope();
        var rng = Rng.Seed(seed);
        var (w, r1) = rng.Randn(3, 4);
        var (b, r2) = r1.Randn(4);
        rng = r2;
        var p = new Params(["w", "b"], [w, b]);
        var torchParams = p.Values.Select(t => new Parameter(t.detach().clone())).ToArray();
        var opt = makeTorch(torchParams);
        var state = pure.Init(p);
        for (var step = 0; step < 50; step++)
        {
            var (gw, g1) = rng.Randn(3, 4);
            var (gb, g2) = g1.Randn(4);
            rng = g2;
            for (var i = 0; i < 2; i++) torchParams[i].grad = (i == 0 ? gw : gb).clone();
            opt.step();
            (p, state) = state.Update(p, new Params(["w", "b"], [gw, gb]), step + 1);
            for (var i = 0; i < 2; i++)
            {
                var err = TensorAssert.MaxRelativeError(torchParams[i], p.Values[i], floor: 1e-6);
                Assert.True(err <= 1e-6, $"{pure}: step {step + 1}, param {p.Names[i]}: relative error {err:E2}");
            }
        }
    }
}
