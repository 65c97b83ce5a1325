using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>The forward pass of an <see cref="MlpSpec"/>: a pure function of (spec, params, input).</summary>
public static class Mlp
{
    /// <summary>
    /// Computes the network output for <paramref name="x"/> ([..., Inputs]). With ordinary params (weight [out, in]) this
    /// is exactly <c>nn.Linear</c>'s arithmetic. With stacked ensemble params (weight [K, out, in], bias [K, out]) each
    /// of the K members is applied: <paramref name="x"/> may be [B, in] (shared by all) or [K, B, in]; the result is [K, B, out].
    /// </summary>
    public static Tensor Forward(MlpSpec spec, Params p, Tensor x)
    {
        var h = x;
        foreach (var layer in spec.Layers)
        {
            var next = Linear(h, p.Weight(layer), p.Bias(layer));
            // Identity.Apply returns an alias (so that it never hands back its input); next is this function's own
            // fresh tensor, so it can be used as it is: one native op and one tensor less per layer, same numbers.
            // Stryker disable once Conditional : applying Identity anyway gives an alias of the same values; the shortcut only saves a handle
            h = layer.Activation is Activation.Identity ? next : layer.Activation.Apply(next);
        }
        return spec.SqueezeOutput ? h.squeeze(-1) : h;
    }

    /// <summary>y = x·Wᵀ + b, for a single layer ([out, in]) or a stack of K layers ([K, out, in]).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor bias) =>
        weight.dim() == 2
            ? nn.functional.linear(x, weight, bias)
            : x.matmul(weight.transpose(-1, -2)).add(bias.unsqueeze(-2), Scalars.One);
}
