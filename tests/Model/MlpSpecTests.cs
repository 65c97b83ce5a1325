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

    private static MlpSpec Spec => new(3, [4, 5], 2, new Activation.Relu(), new Activation.Identity());

    [Fact]
    public void Layers_are_named_l1_l2_by_default_0_2_4_in_sequential_form_or_as_given()
    {
        Assert.Equal(["l1", "l2", "l3"], Spec.Layers.Select(l => l.Name));
        Assert.Equal(["0", "2", "4"], Spec.WithSequentialNames().Layers.Select(l => l.Name));
        Assert.Equal(["fc1", "fc2", "out"], Spec.With(layerNames: ["fc1", "fc2", "out"]).Layers.Select(l => l.Name));
        Assert.Equal(["l1.weight", "l1.bias", "l2.weight", "l2.bias", "l3.weight", "l3.bias"], Spec.ParamNames().ToArray());
        Assert.Equal(new LayerSpec(2, "l3", 5, 2, new Activation.Identity()), Spec.Layers[2]);
        Assert.Equal([("l3.weight", new long[] { 2, 5 }), ("l3.bias", new long[] { 2 })], Spec.Layers[2].ParamShapes);
    }

    [Fact]
    public void A_single_layer_spec_has_one_layer_with_the_head()
    {
        var spec = new MlpSpec(1, [], 1, new Activation.Relu(), new Activation.Sigmoid());
        Assert.Equal(1, spec.LayerCount);
        Assert.Equal([new LayerSpec(0, "l1", 1, 1, new Activation.Sigmoid())], spec.Layers.ToArray());
        Assert.Equal([1, 1], spec.Sizes().ToArray());
    }

    [Theory]
    [InlineData(0, 1, new[] { 1 }, "inputs must be positive, got 0")]
    [InlineData(-1, 1, new[] { 1 }, "inputs must be positive, got -1")]
    [InlineData(1, 0, new[] { 1 }, "outputs must be positive, got 0")]
    [InlineData(1, 1, new[] { 3, 0 }, "hidden sizes must be positive, got [3, 0]")]
    [InlineData(1, 1, new[] { -2 }, "hidden sizes must be positive, got [-2]")]
    public void A_size_below_1_is_refused(int inputs, int outputs, int[] hidden, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new MlpSpec(inputs, hidden, outputs, new Activation.Relu(), new Activation.Identity())).Message);

    [Fact]
    public void Sizes_of_1_are_the_smallest_accepted()
    {
        var spec = new MlpSpec(1, [1, 1], 1, new Activation.Relu(), new Activation.Identity());
        Assert.Equal([1, 1, 1, 1], spec.Sizes().ToArray());
    }

    [Fact]
    public void Specs_compare_by_value_with_default_layer_names_equal_to_the_same_names_spelled_out()
    {
        var spec = Spec;
        var same = new MlpSpec(3, new List<int> { 4, 5 }, 2, new Activation.Relu(), new Activation.Identity());
        var spelled = spec with { LayerNames = ["l1", "l2", "l3"] };
        foreach (var equal in new[] { same, spelled })
        {
            Assert.Equal(spec, equal);
            Assert.True(spec.Equals((object)equal));
            Assert.Equal(spec.GetHashCode(), equal.GetHashCode());
        }
        MlpSpec[] different =
        [
            spec with { Inputs = 4 }, spec with { Outputs = 3 }, spec with { Hidden = [4] }, spec with { Hidden = [5, 4] },
            spec with { HiddenActivation = new Activation.Tanh() }, spec with { Head = new Activation.Sigmoid() },
            spec with { SqueezeOutput = true }, spec.WithSequentialNames(),
        ];
        foreach (var other in different)
        {
            Assert.NotEqual(spec, other);
            Assert.False(spec.Equals((object)other));
        }
        Assert.False(spec.Equals(null));
        // Unequal specs hash apart (all but the layer names, which the hash leaves out); the order of widths counts.
        foreach (var other in different.Where(o => o.LayerNames.IsDefaultOrEmpty))
            Assert.NotEqual(spec.GetHashCode(), other.GetHashCode());
    }

    [Fact]
    public void Prints_its_sizes_and_activations_on_one_line()
    {
        Assert.Equal("3-4-5-2 relu/identity", Spec.ToString());
        Assert.Equal("784-64-10 relu/logsoftmax", new MlpSpec(784, [64], 10, new Activation.Relu(), new Activation.LogSoftmax()).ToString());
    }

    [Fact]
    public void With_replaces_the_given_fields_and_keeps_the_rest()
    {
        var spec = Spec with { SqueezeOutput = false };
        Assert.Equal(spec, spec.With());
        Assert.Equal(new MlpSpec(7, [4, 5], 2, new Activation.Relu(), new Activation.Identity()), spec.With(inputs: 7));
        Assert.Equal(new MlpSpec(3, [6], 2, new Activation.Relu(), new Activation.Identity()), spec.With(hidden: [6]));
        Assert.Equal(new MlpSpec(3, [4, 5], 1, new Activation.Relu(), new Activation.Identity()), spec.With(outputs: 1));
        Assert.Equal(new MlpSpec(3, [4, 5], 2, new Activation.Tanh(), new Activation.Identity()), spec.With(hiddenActivation: new Activation.Tanh()));
        Assert.Equal(new MlpSpec(3, [4, 5], 2, new Activation.Relu(), new Activation.Sigmoid()), spec.With(head: new Activation.Sigmoid()));
        Assert.True(spec.With(squeezeOutput: true).SqueezeOutput);
        Assert.True(spec.With(squeezeOutput: true).With(inputs: 1).SqueezeOutput);
        var named = spec.With(layerNames: ["a", "b", "c"]);
        Assert.Equal(["a", "b", "c"], named.LayerNames.ToArray());
        Assert.Equal(["a", "b", "c"], named.With(inputs: 9).LayerNames.ToArray());
    }

    [Fact]
    public void With_validates_like_the_constructor_and_needs_a_name_for_every_layer()
    {
        Assert.Equal("inputs must be positive, got 0", Assert.Throws<ArgumentException>(() => Spec.With(inputs: 0)).Message);
        Assert.Equal("2 layer names for 3 layers", Assert.Throws<ArgumentException>(() => Spec.With(layerNames: ["a", "b"])).Message);
        Assert.Equal("3 layer names for 2 layers", Assert.Throws<ArgumentException>(() => Spec.WithSequentialNames().With(hidden: [4])).Message);
        Assert.Equal(["l1", "l2"], Spec.With(hidden: [4]).Layers.Select(l => l.Name)); // default names follow the layer count
        Assert.Empty(Spec.With(layerNames: []).LayerNames);
    }
}
