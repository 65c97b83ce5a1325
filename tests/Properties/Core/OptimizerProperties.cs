using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;
using Adam = Functional.Training.Optimizers.Adam;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using Parameter = TorchSharp.Modules.Parameter;

namespace Functional.Properties.Core;

/// <summary>
/// The pure optimizers equal torch.optim (TorchSharp's in-place SGD and Adam, the library they mirror) on random params,
/// random gradient sequences of 20–30 steps and random hyper-parameters, to 1e-6 relative at every step.
/// </summary>
public sealed class OptimizerProperties
{
    private const double Relative = 1e-6;

    [Property]
    public void Sgd_update_equals_torch_optim_SGD_step(SgdCase c)
    {
        var o = c.Sgd;
        AssertMatchesTorch(o, ps => optim.SGD(ps, Arbitraries.Lr(o.Lr), o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov),
            c.Steps, c.Rows, c.Cols, c.GradScale, c.Seed);
    }

    [Property]
    public void Adam_update_equals_torch_optim_Adam_step(AdamCase c)
    {
        var o = c.Adam;
        AssertMatchesTorch(o, ps => optim.Adam(ps, Arbitraries.Lr(o.Lr), o.Beta1, o.Beta2, o.Eps, o.WeightDecay, o.Amsgrad),
            c.Steps, c.Rows, c.Cols, c.GradScale, c.Seed);
    }

    [Property]
    public void Update_changes_none_of_its_inputs(StepCase c)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(c.Net.Seed);
        var p = new Params(["w", "b"], [d.Normal([3, 2]).to(ScalarType.Float32), d.Normal([3]).to(ScalarType.Float32)]);
        Params Grads() => p.Map(t => d.Normal(t.shape).to(ScalarType.Float32));
        var (p1, s1) = c.Optimizer.Init(p).Update(p, Grads(), 1);
        var g = Grads();
        var inputs = p1.Values.Concat(s1.Tensors.Select(t => t.Value)).Concat(g.Values).ToArray();
        var before = inputs.Select(TensorAssert.Bytes).ToArray();
        var (p2, s2) = s1.Update(p1, g, 2);
        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(before[i], TensorAssert.Bytes(inputs[i]));
        Assert.DoesNotContain(p2.Values.Concat(s2.Tensors.Select(t => t.Value)), t => inputs.Any(i => ReferenceEquals(i, t)));
    }

    private static void AssertMatchesTorch(Optimizer pure, Func<IEnumerable<Parameter>, OptimizerHelper> makeTorch,
        int steps, int rows, int cols, double gradScale, int seed)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(seed);
        var p = new Params(["w", "b"], [d.Normal([rows, cols]).to(ScalarType.Float32), d.Normal([rows]).to(ScalarType.Float32)]);
        var torchParams = p.Values.Select(t => new Parameter(t.detach().clone())).ToArray();
        var opt = makeTorch(torchParams);
        var state = pure.Init(p);
        for (var step = 1; step <= steps; step++)
        {
            var g = p.Map(t => d.Normal(t.shape, gradScale).to(ScalarType.Float32));
            for (var i = 0; i < g.Count; i++) torchParams[i].grad = g.Values[i].clone();
            opt.step();
            (p, state) = state.Update(p, g, step);
            for (var i = 0; i < p.Count; i++)
            {
                var err = TensorAssert.MaxRelativeError(torchParams[i], p.Values[i], floor: 1e-6);
                Assert.True(err <= Relative, $"step {step}, param {p.Names[i]}: relative error {err:E2} against torch.optim");
            }
        }
        foreach (var t in torchParams) t.Dispose();
    }
}
