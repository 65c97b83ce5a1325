using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// <see cref="Params"/>: an ordered set of uniquely named tensors. Read by name (or a layer's weight and bias), combined
/// tensor by tensor only with params of the same names in the same order, copied deeply, and freed by its owner.
/// </summary>
public sealed class ParamsTests
{
    private static Params Make(params string[] names) =>
        new(names, names.Select((_, i) => full(new long[] { 2, i + 1 }, (float)(i + 1))));

    [Fact]
    public void Names_and_tensors_must_pair_up_and_names_must_be_distinct()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("2 names but 1 tensors", Assert.Throws<ArgumentException>(() => new Params(["a", "b"], [zeros(1)])).Message);
        Assert.Equal("1 names but 2 tensors", Assert.Throws<ArgumentException>(() => new Params(["a"], [zeros(1), zeros(1)])).Message);
        Assert.Equal("duplicate parameter names in [a, b, a]",
            Assert.Throws<ArgumentException>(() => new Params(["a", "b", "a"], [zeros(1), zeros(1), zeros(1)])).Message);
        Assert.Equal(0, Params.Empty.Count);
        Assert.Empty(Params.Empty.Items);
    }

    [Fact]
    public void A_tensor_is_read_by_name_or_as_a_layers_weight_and_bias()
    {
        using var scope = NewDisposeScope();
        var p = Make("l1.weight", "l1.bias");
        Assert.Equal(2, p.Count);
        Assert.Same(p.Values[0], p["l1.weight"]);
        Assert.Same(p.Values[1], p["l1.bias"]);
        var layer = new LayerSpec(0, "l1", 1, 2, new Activation.Identity());
        Assert.Same(p.Values[0], p.Weight(layer));
        Assert.Same(p.Values[1], p.Bias(layer));
        Assert.Equal([("l1.weight", p.Values[0]), ("l1.bias", p.Values[1])], p.Items);
        Assert.Equal("no parameter 'l2.weight' (have: l1.weight, l1.bias)",
            Assert.Throws<KeyNotFoundException>(() => p.Weight(layer with { Name = "l2" })).Message);
    }

    [Fact]
    public void Map_applies_a_function_to_each_tensor_in_order_and_keeps_the_names()
    {
        using var scope = NewDisposeScope();
        var p = Make("a", "b", "c");
        var seen = new List<Tensor>();
        var doubled = p.Map(t => { seen.Add(t); return t.mul(2); });
        Assert.Equal(p.Values, seen);
        Assert.Equal(p.Names, doubled.Names);
        for (var i = 0; i < p.Count; i++)
            Assert.Equal(TensorAssert.Values(p.Values[i]).Select(v => 2 * v), TensorAssert.Values(doubled.Values[i]));
    }

    [Fact]
    public void Zip_pairs_tensors_of_the_same_names_built_separately()
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = (Make("x", "y"), Make("x", "y"), Make("x", "y"));
        var sum = a.Zip(b, (p, q) => p.add(q));
        var three = a.Zip(b, c, (p, q, r) => p.add(q).add(r));
        Assert.Equal(a.Names, sum.Names);
        Assert.Equal(a.Names, three.Names);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(TensorAssert.Values(a.Values[i]).Select(v => 2 * v), TensorAssert.Values(sum.Values[i]));
            Assert.Equal(TensorAssert.Values(a.Values[i]).Select(v => 3 * v), TensorAssert.Values(three.Values[i]));
        }
    }

    [Fact]
    public void Zip_refuses_params_of_other_names_or_order()
    {
        using var scope = NewDisposeScope();
        var p = Make("x", "y");
        foreach (var other in new[] { Make("y", "x"), Make("x", "z"), Make("x") })
        {
            var message = $"parameter names differ: [x, y] vs [{string.Join(", ", other.Names)}]";
            Assert.Equal(message, Assert.Throws<ArgumentException>(() => p.Zip(other, (a, b) => a.add(b))).Message);
            Assert.Equal(message, Assert.Throws<ArgumentException>(() => p.Zip(other, p, (a, b, c) => a)).Message);
            Assert.Equal(message, Assert.Throws<ArgumentException>(() => p.Zip(p, other, (a, b, c) => a)).Message);
        }
    }

    [Fact]
    public void Clone_makes_new_detached_tensors_with_the_same_values()
    {
        using var scope = NewDisposeScope();
        var p = Make("a", "b").Map(t => t.requires_grad_(true));
        var copy = p.Clone();
        Assert.Equal(p.Names, copy.Names);
        for (var i = 0; i < p.Count; i++)
        {
            Assert.False(ReferenceEquals(p.Values[i], copy.Values[i]));
            Assert.False(copy.Values[i].requires_grad);
            Assert.Equal(TensorAssert.Bytes(p.Values[i]), TensorAssert.Bytes(copy.Values[i]));
        }
        p.Dispose();
        Assert.All(copy.Values, t => Assert.False(t.IsInvalid)); // the copy does not share the original's tensors
    }

    [Fact]
    public void DetachFromDisposeScope_keeps_the_tensors_alive_past_their_scope_and_Dispose_frees_them()
    {
        Params p;
        using (NewDisposeScope())
        {
            p = Make("a", "b");
            Assert.Same(p, p.DetachFromDisposeScope());
        }
        Assert.All(p.Values, t => Assert.False(t.IsInvalid));
        p.Dispose();
        Assert.All(p.Values, t => Assert.True(t.IsInvalid));
    }

    [Fact]
    public void Describe_lists_shapes_by_name_and_ElementCount_sums_the_sizes()
    {
        using var scope = NewDisposeScope();
        var p = new Params(["l1.weight", "l1.bias", "s"], [zeros(3, 2), zeros(3), zeros(Array.Empty<long>())]);
        Assert.Equal(["l1.weight [3, 2]", "l1.bias [3]", "s []"], p.Describe());
        Assert.Equal(10, p.ElementCount);
        Assert.Equal(0, Params.Empty.ElementCount);
    }
}
