using Functional.Model;
using Functional.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Properties.Support;

/// <summary>Turns a generated <see cref="NetCase"/> into tensors: params (the spec's default init) and a batch whose targets suit the loss.</summary>
public static class Networks
{
    /// <summary>Params from <c>Init.Initialize(spec, Rng.Seed(seed))</c> and a batch drawn from the same seed, in <paramref name="dtype"/>.</summary>
    public static (Params Params, Batch Batch) Materialize(NetCase c, ScalarType dtype)
    {
        var spec = c.Spec;
        var p = Init.Initialize(spec, Rng.Seed(c.Seed)).Value.Map(t => t.to(dtype));
        var d = new Draws(c.Seed);
        var x = d.Normal([c.Batch, spec.Inputs]).to(dtype);
        long[] outShape = spec.SqueezeOutput ? [c.Batch] : [c.Batch, spec.Outputs];
        var y = c.Loss switch
        {
            Loss.Mse => d.Normal(outShape).to(dtype),
            Loss.Bce => d.Uniform(outShape, 0, 1).to(dtype),
            _ => d.Classes(c.Batch, spec.Outputs),
        };
        return (p, new Batch(x, y));
    }

    /// <summary>
    /// The smallest |pre-activation| at a kink (Relu at 0; Elu at 0 unless alpha is 1) over every layer and sample;
    /// +∞ when no layer has a kink. Finite differences across a kink are meaningless, so gradient checks skip such cases.
    /// </summary>
    public static double DistanceToKink(MlpSpec spec, Params p, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var distance = double.PositiveInfinity;
        var h = x;
        foreach (var layer in spec.Layers)
        {
            var z = Mlp.Linear(h, p.Weight(layer), p.Bias(layer));
            if (HasKink(layer.Activation))
                distance = Math.Min(distance, z.abs().min().ToDouble());
            h = layer.Activation.Apply(z);
        }
        return distance;
    }

    public static bool HasKink(Activation a) => a is Activation.Relu || a is Activation.Elu e && e.Alpha != 1;
}
