using FsCheck;
using FsCheck.Xunit;
using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// Params as values: the factory, the flat float64 view (<see cref="Params.Flatten"/>/<see cref="Params.Unflatten"/>),
/// the float64 copy, exact equality and all-close.
/// </summary>
public sealed class ParamsValueTests
{
    private static Params Layer(LinearCase c, ScalarType dtype)
    {
        var d = new Draws(c.Seed);
        return Params.Of(["w", "b"], [d.Normal([c.Out, c.In]).to(dtype), d.Normal([c.Out]).to(dtype)]);
    }

    [Property]
    public void Flatten_is_row_major_in_name_order_and_unflatten_inverts_it(LinearCase c, bool float32)
    {
        using var scope = NewDisposeScope();
        var p = Layer(c, float32 ? ScalarType.Float32 : ScalarType.Float64);
        var theta = p.Flatten();
        Assert.Equal(p.ElementCount, theta.Length);
        Assert.Equal(TensorAssert.Values(p["w"]).Concat(TensorAssert.Values(p["b"])), theta);
        var back = p.Unflatten(theta);
        Assert.True(back.ValueEquals(p)); // same names, dtypes, shapes, bits
        Assert.All(back.Values.Zip(p.Values), t => Assert.NotSame(t.First, t.Second));
    }

    [Fact]
    public void Unflatten_rounds_to_the_template_dtype_and_checks_the_length()
    {
        using var scope = NewDisposeScope();
        var p = Params.Of(["x"], [zeros(2, ScalarType.Float32)]);
        var back = p.Unflatten([0.1, 1.0 / 3]);
        Assert.Equal(ScalarType.Float32, back["x"].dtype);
        Assert.Equal([(double)0.1f, (double)(1f / 3)], back.Flatten());
        Assert.Equal("1 values for 2 parameter elements (x [2])", Assert.Throws<ArgumentException>(() => p.Unflatten([1.0])).Message);
        var two = Params.Of(["w", "b"], [zeros(2, 2, ScalarType.Float64), zeros(1, ScalarType.Float64)]);
        Assert.Equal("3 values for 5 parameter elements (w [2, 2], b [1])",
            Assert.Throws<ArgumentException>(() => two.Unflatten([1.0, 2, 3])).Message);
    }

    [Fact]
    public void ToFloat64_is_a_detached_float64_copy()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1.5f, -2 }).requires_grad_(true);
        var p = Params.Of(["w"], [w]);
        var wide = p.ToFloat64();
        Assert.Equal(ScalarType.Float64, wide["w"].dtype);
        Assert.False(wide["w"].requires_grad);
        Assert.Equal([1.5, -2], TensorAssert.Values(wide["w"]));
        var again = wide.ToFloat64();
        again["w"].mul_(10); // a copy even when already float64: its own storage (the test changes it; the core never does)
        Assert.Equal([1.5, -2], TensorAssert.Values(wide["w"]));
        wide.Dispose(); // and disposing one leaves the other
        Assert.Equal([15.0, -20], TensorAssert.Values(again["w"]));
    }

    [Fact]
    public void ValueEquals_needs_names_dtypes_shapes_and_values_and_AllClose_only_closeness()
    {
        using var scope = NewDisposeScope();
        var a = Params.Of(["w"], [tensor(new double[] { 1, 2 })]);
        Assert.True(a.ValueEquals(Params.Of(["w"], [tensor(new double[] { 1, 2 })])));
        Assert.False(a.ValueEquals(Params.Of(["v"], [tensor(new double[] { 1, 2 })])));
        Assert.False(a.ValueEquals(Params.Of(["w"], [tensor(new float[] { 1, 2 })])));
        Assert.False(a.ValueEquals(Params.Of(["w"], [tensor(new double[] { 1, 2 }).reshape(2, 1)])));
        Assert.False(a.ValueEquals(Params.Of(["w"], [tensor(new double[] { 1, 2 + 1e-12 })])));
        Assert.False(a.ValueEquals(Params.Of(["w", "b"], [tensor(new double[] { 1, 2 }), tensor(new double[] { 0 })])));

        Assert.True(a.AllClose(Params.Of(["w"], [tensor(new double[] { 1, 2 + 1e-12 })])));
        Assert.True(a.AllClose(Params.Of(["w"], [tensor(new float[] { 1, 2 })]))); // dtypes compare by value
        Assert.False(a.AllClose(Params.Of(["w"], [tensor(new double[] { 1, 2.001 })])));
        Assert.True(a.AllClose(Params.Of(["w"], [tensor(new double[] { 1, 2.001 })]), rtol: 1e-3));
        Assert.False(a.AllClose(Params.Of(["w"], [tensor(new double[] { 1, 2 }).reshape(2, 1)]))); // no broadcasting
        Assert.False(Params.Of(["w"], [tensor(new[] { double.NaN })]).AllClose(Params.Of(["w"], [tensor(new[] { double.NaN })])));
    }

    [Fact]
    public void Every_tensor_must_match_not_just_one()
    {
        using var scope = NewDisposeScope();
        Params Two(double[] b, params long[] bShape) => Params.Of(["w", "b"], [tensor(new double[] { 1, 2 }), tensor(b).reshape(bShape)]);
        var a = Two([3], 1);
        Assert.True(a.ValueEquals(Two([3], 1)) && a.AllClose(Two([3], 1)));
        Assert.False(a.ValueEquals(Two([4], 1)));   // the first tensor equal, the second not
        Assert.False(a.AllClose(Two([4], 1)));
        Assert.False(a.AllClose(Two([3], 1, 1)));   // the second tensor's shape differs (allclose alone would broadcast it)
        Assert.False(a.ValueEquals(Two([3], 1, 1)));
    }

    [Fact]
    public void Of_is_the_constructor()
    {
        using var scope = NewDisposeScope();
        var w = ones(2);
        var p = Params.Of(["w"], [w]);
        Assert.Same(w, p["w"]);
        Assert.Throws<ArgumentException>(() => Params.Of(["w", "w"], [ones(1), ones(1)]));
        Assert.Throws<ArgumentException>(() => Params.Of(["w"], []));
    }
}
