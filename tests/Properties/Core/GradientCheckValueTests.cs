using TorchSharp;
using Functional.Model;
using Functional.Training;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// <see cref="Gradients.FiniteDifferences"/> and <see cref="Gradients.Check"/> to the last field: the step it is given,
/// every coordinate and tolerance of the entries, the refusals and their messages, and the entries and results as values
/// (<see cref="GradientCheckTests"/> checks them against known gradients).
/// </summary>
public sealed class GradientCheckValueTests
{
    [Fact]
    public void Each_difference_perturbs_one_element_and_puts_it_back()
    {
        using var scope = NewDisposeScope();
        // L = x₀·x₁: ∂L/∂x₀ = x₁, ∂L/∂x₁ = x₀. Central differences of a bilinear function are exact up to rounding, so an
        // element left perturbed by ε = 1e-3 would show as an error of 1e-3 in the next one.
        var p = Params.Of(["x"], [tensor(new double[] { 3, 5 })]);
        var numeric = Gradients.FiniteDifferences(q => q["x"][0].mul(q["x"][1]), p, eps: 1e-3);
        Assert.Equal([5.0, 3.0], TensorAssert.Values(numeric["x"]).Select(v => Math.Round(v, 9)));
        Assert.Equal([3.0, 5.0], TensorAssert.Values(p["x"]));
    }

    [Fact]
    public void The_step_is_the_one_given()
    {
        using var scope = NewDisposeScope();
        // L = x³ at x = 1: the central difference is 3x² + ε² exactly, so the step shows in the result.
        var p = Params.Of(["x"], [tensor(new double[] { 1 })]);
        var numeric = Gradients.FiniteDifferences(q => q["x"].pow(3).sum(), p, eps: 0.1);
        TensorAssert.AllClose(3.01, numeric["x"].ToDouble(), rtol: 1e-12);
        var check = Gradients.Check(q => q["x"].pow(3).sum(), p, eps: 0.1);
        TensorAssert.AllClose(3.01, Assert.Single(check.Entries).Numeric, rtol: 1e-12);
    }

    [Fact]
    public void Every_element_of_every_tensor_is_an_entry_with_its_coordinates_gradients_and_tolerance()
    {
        using var scope = NewDisposeScope();
        // L = Σ c⊙w + Σ d⊙b: the gradient is c and d, each element distinct and signed.
        var c = tensor(new double[] { 1, -2, 3, -4, 5, -6 }).reshape(2, 3);
        var d = tensor(new double[] { -7, 8 });
        var p = Params.Of(["w", "b"], [zeros(2, 3, ScalarType.Float64), zeros(2, ScalarType.Float64)]);
        var check = Gradients.Check(q => q["w"].mul(c).sum().add(q["b"].mul(d).sum()), p, atol: 0.5, rtol: 0.25);
        Assert.Equal((0.5, 0.25), (check.Atol, check.Rtol));
        Assert.Equal(8, check.Entries.Length);
        var expected = new Dictionary<string, double>
        {
            ["w[0, 0]"] = 1, ["w[0, 1]"] = -2, ["w[0, 2]"] = 3, ["w[1, 0]"] = -4, ["w[1, 1]"] = 5, ["w[1, 2]"] = -6,
            ["b[0]"] = -7, ["b[1]"] = 8,
        };
        var byPlace = check.Entries.ToDictionary(e => $"{e.Name}[{string.Join(", ", e.Index)}]");
        Assert.Equal(expected.Keys.Order(), byPlace.Keys.Order());
        foreach (var (place, gradient) in expected)
        {
            var e = byPlace[place];
            Assert.Equal(gradient, e.Analytic);
            TensorAssert.AllClose(gradient, e.Numeric, rtol: 1e-8);
            Assert.Equal(0.5 + 0.25 * Math.Abs(e.Numeric), e.Tolerance);
        }
        Assert.True(check.Passed);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-6)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_step_that_is_not_positive_and_finite_is_refused(double eps)
    {
        using var scope = NewDisposeScope();
        var p = Params.Of(["x"], [tensor(new double[] { 1, 2 })]);
        var message = $"the finite-difference step must be positive and finite, got {eps}";
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Gradients.FiniteDifferences(q => q["x"].sum(), p, eps)).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Gradients.Check(q => q["x"].sum(), p, eps: eps)).Message);
    }

    [Theory]
    [InlineData(-1.0, 1e-3)]
    [InlineData(1e-5, -1.0)]
    [InlineData(double.NaN, 1e-3)]
    [InlineData(1e-5, double.NaN)]
    public void A_negative_tolerance_is_refused(double atol, double rtol)
    {
        using var scope = NewDisposeScope();
        var p = Params.Of(["x"], [tensor(new double[] { 1, 2 })]);
        Assert.Equal($"tolerances must be non-negative, got atol {atol}, rtol {rtol}",
            Assert.Throws<ArgumentException>(() => Gradients.Check(q => q["x"].sum(), p, atol, rtol)).Message);
    }

    [Fact]
    public void Zero_tolerances_are_allowed()
    {
        using var scope = NewDisposeScope();
        var p = Params.Of(["x"], [tensor(new double[] { 1, 2 })]);
        var check = Gradients.Check(q => q["x"].sum(), p, atol: 0, rtol: 0);
        Assert.Equal((0.0, 0.0), (check.Atol, check.Rtol));
        Assert.All(check.Entries, e => Assert.Equal(0.0, e.Tolerance));
    }

    [Fact]
    public void A_loss_of_more_than_one_element_is_refused_with_its_shape()
    {
        using var scope = NewDisposeScope();
        var p = Params.Of(["x"], [tensor(new double[] { 1, 2 })]);
        Assert.Equal("the loss must have one element, got shape [1, 2]",
            Assert.Throws<ArgumentException>(() => Gradients.FiniteDifferences(q => q["x"].reshape(1, 2), p)).Message);
    }

    [Fact]
    public void An_entry_measures_its_error_against_its_tolerance()
    {
        var e = new GradientEntry("x", [0], 1, 3, 2);
        Assert.Equal(2, e.Error);                                      // |analytic − numeric|, whichever is larger
        Assert.Equal(2, new GradientEntry("x", [0], 3, 1, 2).Error);
        Assert.True(e.Passes);                                         // an error equal to the tolerance passes
        Assert.Equal(1, e.Ratio);
        Assert.False(e with { Tolerance = 1.999 } is { Passes: true });
        Assert.Equal(0.5, (e with { Tolerance = 4 }).Ratio);
        Assert.Equal(0, new GradientEntry("x", [0], 2, 2, 0).Ratio);  // no error is ratio 0, even at tolerance 0
        Assert.True(new GradientEntry("x", [0], 2, 2, 0).Passes);
        Assert.Equal(double.PositiveInfinity, (e with { Tolerance = 0 }).Ratio);
    }

    [Fact]
    public void An_entry_prints_its_place_and_numbers_in_the_invariant_culture() =>
        Culture.Under("de-DE", () => Assert.Equal(
            "l1.weight[1, 0]: autograd 0.25, finite differences 0.2475 (error 0.0025, tolerance 0.000258)",
            new GradientEntry("l1.weight", [1, 0], 0.25, 0.2475, 0.000258).ToString()));

    [Fact]
    public void Entries_are_values_field_by_field()
    {
        var e = new GradientEntry("w", [1, 2], 0.5, 0.25, 1e-3);
        var same = new GradientEntry("w", [.. new long[] { 1, 2 }], 0.5, 0.25, 1e-3);
        Assert.True(e.Equals(same));
        Assert.Equal(e.GetHashCode(), same.GetHashCode());
        Assert.False(e.Equals(null));
        GradientEntry[] others =
        [
            e with { Name = "b" }, e with { Index = [2, 1] }, e with { Index = [1] }, e with { Analytic = 0.75 },
            e with { Numeric = 0.125 }, e with { Tolerance = 1e-2 },
        ];
        foreach (var other in others)
        {
            Assert.False(e.Equals(other), other.ToString());
            Assert.NotEqual(e.GetHashCode(), other.GetHashCode());
        }
    }

    private static readonly GradientEntry Good = new("w", [0, 1], 1.0, 1.0000001, 1.001e-3);
    private static readonly GradientEntry Bad = new("b", [2], 2.0, 1.5, 1.515e-3);

    [Fact]
    public void A_passing_check_prints_its_count_and_closest_entry_and_a_failing_one_each_failure()
    {
        var passing = new GradientCheck([Good], 1e-5, 1e-3);
        Assert.True(passing.Passed);
        Assert.Empty(passing.Failures);
        Assert.Equal($"1 gradient elements within tolerance; closest: {Good}", passing.ToString());
        Assert.Equal("0 gradient elements within tolerance", new GradientCheck([], 1e-5, 1e-3).ToString());

        var failing = new GradientCheck([Bad, Good], 1e-5, 1e-3);
        Assert.False(failing.Passed);
        Assert.Equal(new[] { Bad }, failing.Failures.ToArray());
        Culture.Under("de-DE", () => Assert.Equal(
            $"1 of 2 gradient elements outside atol 1E-05 + rtol 0.001·|numeric|:{Environment.NewLine}{Bad}", failing.ToString()));
    }

    [Fact]
    public void Checks_are_values_entry_by_entry()
    {
        var check = new GradientCheck([Bad, Good], 1e-5, 1e-3);
        var same = new GradientCheck([Bad with { }, Good with { }], 1e-5, 1e-3);
        Assert.True(check.Equals(same));
        Assert.Equal(check.GetHashCode(), same.GetHashCode());
        Assert.False(check.Equals(null));
        GradientCheck[] others =
        [
            check with { Entries = [Bad] }, check with { Entries = [Good, Bad] }, check with { Atol = 1e-6 }, check with { Rtol = 1e-2 },
        ];
        foreach (var other in others)
        {
            Assert.False(check.Equals(other));
            Assert.NotEqual(check.GetHashCode(), other.GetHashCode());
        }
    }
}
