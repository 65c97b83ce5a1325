using FsCheck.Xunit;
using Functional.Model;
using Xunit;

namespace Functional.ModelTests;

/// <summary>
/// <see cref="MlpSpec"/>: the one walk over a network (<see cref="MlpSpec.Layers"/>) chains the spec's sizes, carries its
/// activations and names every parameter; a spec is built valid or not at all, compares by value and prints on one line.
/// </summary>
public sealed class MlpSpecTests
{
    [Property]
    public void Layers_chain_the_sizes_carry_the_activations_and_name_the_params(NetCase c)
    {
        var spec = c.Spec;
        var layers = spec.Layers;
        var sizes = spec.Sizes();
        Assert.Equal(spec.LayerCount, layers.Length);
        for (var i = 0; i < layers.Length; i++)
        {
            Assert.Equal(i, layers[i].Index);
            Assert.Equal((sizes[i], sizes[i + 1]), (layers[i].In, layers[i].Out));
            Assert.Equal(i < layers.Length - 1 ? spec.HiddenActivation : spec.Head, layers[i].Activation);
            Assert.Equal([layers[i].Out, layers[i].In], layers[i].WeightShape);
            Assert.Equal([layers[i].Out], layers[i].BiasShape);
        }
        Assert.Equal(layers.SelectMany(l => new[] { l.WeightName, l.BiasName }).ToArray(), spec.ParamNames().ToArray());
    }

    [Property]
    public void The_init_draws_each_layer_in_the_shape_its_LayerSpec_gives(NetCase c)
    {
        using var p = Init.Initialize(c.Spec, Rng.Seed(c.Seed)).Value;
        Assert.Equal(c.Spec.ParamNames().ToArray(), p.Names.ToArray());
        foreach (var layer in c.Spec.Layers)
        {
            Assert.Equal(layer.WeightShape, p.Weight(layer).shape);
            Assert.Equal(layer.BiasShape, p.Bias(layer).shape);
            Assert.Same(p[layer.WeightName], p.Weight(layer));
            Assert.Same(p[layer.BiasName], p.Bias(layer));
        }
    }

}
