using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;
using Adam = Functional.Training.Optimizers.Adam;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using Parameter = TorchSharp.Modules.Parameter;

namespace Functional.Properties.Core.Optimizers;

/// <summary>
/// The one torch.optim oracle: our optimizer and TorchSharp's in-place torch.optim (the library ours mirrors, itself
/// equal to PyTorch 2's to 1e-16, see PITFALLS) take the same steps from the same params and gradients, and every param
/// must agree to 1e-6 relative after every step. Used by the fixed configurations and the random properties alike.
/// </summary>
public static class TorchOracle
{
    /// <summary>The largest relative difference allowed at any step (|a−b| / max(|a|, |b|, 1e-6)).</summary>
    public const double Relative = 1e-6;

    /// <summary>torch.optim.SGD with <paramref name="o"/>'s hyper-parameters.</summary>
    public static OptimizerHelper Sgd(IEnumerable<Parameter> ps, Sgd o) =>
        optim.SGD(ps, Arbitraries.Lr(o.Lr), o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov);

    /// <summary>torch.optim.Adam with <paramref name="o"/>'s hyper-parameters.</summary>
    public static OptimizerHelper Adam(IEnumerable<Parameter> ps, Adam o) =>
        optim.Adam(ps, Arbitraries.Lr(o.Lr), o.Beta1, o.Beta2, o.Eps, o.WeightDecay, o.Amsgrad);

    /// <summary>
    /// Runs <paramref name="steps"/> steps of <paramref name="ours"/> and of <paramref name="torch"/> on params
    /// w [rows, cols] and b [rows] drawn from <paramref name="seed"/>, with standard normal gradients times
    /// <paramref name="gradScale"/>, and asserts they agree after every step.
    /// </summary>
    public static void AssertMatches(Optimizer ours, Func<IEnumerable<Parameter>, OptimizerHelper> torch,
        int steps, int rows, int cols, double gradScale, int seed)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(seed);
        var p = new Params(["w", "b"], [d.Normal([rows, cols]).to(ScalarType.Float32), d.Normal([rows]).to(ScalarType.Float32)]);
        var torchParams = p.Values.Select(t => new Parameter(t.detach().clone())).ToArray();
        var opt = torch(torchParams);
        var state = ours.Init(p);
        for (var step = 1; step <= steps; step++)
        {
            var g = p.Map(t => d.Normal(t.shape, gradScale).to(ScalarType.Float32));
            for (var i = 0; i < g.Count; i++) torchParams[i].grad = g.Values[i].clone();
            opt.step();
            (p, state) = state.Update(p, g, step);
            for (var i = 0; i < p.Count; i++)
            {
                var err = TensorAssert.MaxRelativeError(torchParams[i], p.Values[i], floor: 1e-6);
                Assert.True(err <= Relative, $"{ours}: step {step}, param {p.Names[i]}: relative error {err:E2} against torch.optim");
            }
        }
        foreach (var t in torchParams) t.Dispose();
    }
}
