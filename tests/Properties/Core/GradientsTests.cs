using Functional.Model;
using Functional.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// <see cref="Gradients.Compute"/> beyond its values (<see cref="GradientProperties"/> checks those): a parameter the
/// loss does not use gets a zero gradient of its own shape and dtype, the caller's tensors are left alone, and a loss
/// autograd cannot differentiate is refused with an exception instead of aborting the process (as autograd.grad would).
/// </summary>
public sealed class GradientsTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void A_parameter_the_loss_does_not_use_gets_a_zero_gradient_of_its_shape_and_dtype(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var p = new Params(["used", "unused", "also unused"],
            [tensor(new[] { 1.0, -2.0, 3.0 }).to(dtype), ones(2, 3, dtype: dtype), full(new long[] { 4 }, 7.0, dtype: dtype)]);
        var (value, gradient) = Gradients.Compute(q => q["used"].pow(2).sum(), p);
        Assert.Equal(14.0, value.ToDouble());
        Assert.Equal(p.Names, gradient.Names);
        Assert.Equal([2.0, -4.0, 6.0], TensorAssert.Values(gradient["used"]));
        foreach (var name in new[] { "unused", "also unused" })
        {
            Assert.Equal(p[name].shape, gradient[name].shape);
            Assert.Equal(dtype, gradient[name].dtype);
            Assert.All(TensorAssert.Values(gradient[name]), g => Assert.Equal(0.0, g));
        }
    }

    [Fact]
    public void The_callers_tensors_are_untouched_and_the_closure_sees_leaves_of_the_same_values()
    {
        using var scope = NewDisposeScope();
        var p = new Params(["w"], [tensor(new[] { 0.5f, 1.5f })]);
        Tensor? seen = null;
        var (value, gradient) = Gradients.Compute(q =>
        {
            seen = q["w"];
            return q["w"].mul(q["w"]).sum();
        }, p);
        Assert.False(ReferenceEquals(seen, p["w"]));
        Assert.True(seen!.requires_grad && seen.is_leaf);
        Assert.Equal(TensorAssert.Bytes(p["w"]), TensorAssert.Bytes(seen));
        Assert.False(p["w"].requires_grad);
        Assert.True(p["w"].grad is null || p["w"].grad!.IsInvalid);
        Assert.False(value.requires_grad);
        Assert.Equal([1.0, 3.0], TensorAssert.Values(gradient["w"]));
    }

    [Fact]
    public void A_loss_of_one_element_in_any_shape_is_accepted_and_more_elements_are_refused()
    {
        using var scope = NewDisposeScope();
        var p = new Params(["w"], [tensor(new[] { 1f, 2f })]);
        Assert.Equal(3.0, Gradients.Compute(q => q["w"].sum().reshape(1, 1), p).Value.ToDouble());
        Assert.Equal("the loss must have one element, got shape [2]",
            Assert.Throws<ArgumentException>(() => Gradients.Compute(q => q["w"].mul(2), p)).Message);
        Assert.Equal("the loss must have one element, got shape [2, 1]",
            Assert.Throws<ArgumentException>(() => Gradients.Compute(q => q["w"].reshape(2, 1), p)).Message);
        Assert.Equal("the loss must have one element, got shape [0]",
            Assert.Throws<ArgumentException>(() => Gradients.Compute(q => q["w"].narrow(0, 0, 0), p)).Message);
    }

    [Fact]
    public void A_loss_that_depends_on_no_parameter_is_refused()
    {
        using var scope = NewDisposeScope();
        var p = new Params(["w"], [tensor(new[] { 1f, 2f })]);
        Assert.Equal("the loss does not depend on any parameter (it does not require grad)",
            Assert.Throws<ArgumentException>(() => Gradients.Compute(_ => tensor(3f), p)).Message);
        Assert.Throws<ArgumentException>(() => Gradients.Compute(q => q["w"].detach().sum(), p));
    }
}
