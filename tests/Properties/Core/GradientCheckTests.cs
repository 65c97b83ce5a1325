using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// The core's finite-difference twin of autograd and the check built on it (<see cref="Gradients.FiniteDifferences"/>,
/// <see cref="Gradients.Check"/>): exact on functions whose gradient is known, catching a wrong gradient, worst first,
/// leaving nothing behind.
/// </summary>
public sealed class GradientCheckTests
{
    [Property]
    public void Finite_differences_of_a_quadratic_equal_its_known_gradient(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var a = d.Normal(m.Shape);
        var x = d.Normal(m.Shape);
        // L = Σ a·x², ∂L/∂x = 2a·x; a central difference is exact on a quadratic up to rounding: the two sums of n terms
        // each round by at most n ulps of Σ|a·x²|, their difference is divided by 2ε, and x ± ε itself rounds by an ulp
        // of x (a relative error of |x|·2⁻⁵² / 2ε in the step, below 1e-8 for these draws).
        var numeric = Gradients.FiniteDifferences(p => p["x"].pow(2).mul(a).sum(), Params.Of(["x"], [x]));
        Assert.Equal(ScalarType.Float64, numeric["x"].dtype);
        Assert.Equal(x.shape, numeric["x"].shape);
        var exact = x.to_type(ScalarType.Float64).mul(a).mul(2);
        var rounding = 2 * x.numel() * Math.Pow(2, -52) * x.to_type(ScalarType.Float64).pow(2).mul(a).abs().sum().ToDouble()
                       / (2 * Gradients.DefaultEps);
        var worst = numeric["x"].sub(exact).abs().sub(exact.abs().mul(1e-8)).max().ToDouble();
        Assert.True(worst <= rounding, $"finite differences off by {worst:E2} beyond the rounding bound {rounding:E2}");
    }

    [Fact]
    public void Finite_differences_of_a_float32_params_run_in_float64()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 0.5f, -1.25f });
        var seen = new List<ScalarType>();
        var numeric = Gradients.FiniteDifferences(p =>
        {
            seen.Add(p["x"].dtype);
            return p["x"].exp().sum();
        }, Params.Of(["x"], [x]));
        Assert.All(seen, t => Assert.Equal(ScalarType.Float64, t));
        Assert.Equal(4, seen.Count); // two evaluations per element
        Assert.Equal(ScalarType.Float32, x.dtype);
        TensorAssert.AllClose(Math.Exp(0.5), numeric["x"][0].ToDouble(), rtol: 1e-8);
        TensorAssert.AllClose(Math.Exp(-1.25), numeric["x"][1].ToDouble(), rtol: 1e-8);
    }

    [Property]
    public void A_correct_gradient_passes_and_a_one_percent_error_fails(LinearCase c)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(c.Seed);
        var p = Params.Of(["weight", "bias"], [d.Normal([c.Out, c.In]), d.Normal([c.Out])]);
        var x = d.Normal([c.Batch, c.In]);
        // Σ (tanh(z) + z), z = xWᵀ + b: each bias gradient is Σ_batch (1 − tanh²(z) + 1) ≥ batch, away from 0.
        Tensor Loss(Params q)
        {
            var z = Mlp.Linear(x, q["weight"], q["bias"]);
            return z.tanh().add(z).sum();
        }
        // The same value, a gradient 1 % too large: L + 0.01·(L − detach(L)).
        Tensor Skewed(Params q)
        {
            var loss = Loss(q);
            return loss.add(loss.sub(loss.detach()).mul(0.01));
        }
        var good = Gradients.Check(Loss, p);
        Assert.True(good.Passed, good.ToString());
        Assert.Equal(c.Out * c.In + c.Out, good.Entries.Length);
        var bad = Gradients.Check(Skewed, p);
        // A 1 % error exceeds the tolerance 1e-5 + 1e-3·|g| wherever |g| > 1.2e-3, as every bias gradient is.
        Assert.False(bad.Passed, bad.ToString());
        Assert.Equal(bad.Failures, bad.Entries.Where(e => !e.Passes));
        var worst = bad.Failures[0];
        TensorAssert.AllClose(1.01 * worst.Numeric, worst.Analytic, rtol: 1e-4, atol: 1e-7);
    }

    [Fact]
    public void Entries_are_worst_first_with_coordinates_and_a_NaN_is_the_worst()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new double[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3);
        // Σ w² with an extra gradient of 100 at w[1, 2] only (2·6 + 100 = 112 against the true 12).
        var check = Gradients.Check(p =>
        {
            var q = p["w"];
            var loss = q.pow(2).sum();
            var extra = q[1, 2].sub(q[1, 2].detach()).mul(100); // value 0, gradient +100 at [1, 2]
            return loss.add(extra);
        }, Params.Of(["w"], [w]));
        Assert.False(check.Passed);
        var worst = check.Entries[0];
        Assert.Equal("w", worst.Name);
        Assert.Equal([1L, 2L], worst.Index.ToArray());
        TensorAssert.AllClose(112, worst.Analytic);
        TensorAssert.AllClose(12, worst.Numeric, rtol: 1e-6);
        Assert.Single(check.Failures);
        Assert.Contains("w[1, 2]: autograd 112", check.ToString());
        Assert.True(check.Entries.Zip(check.Entries.Skip(1)).All(p => p.First.Ratio >= p.Second.Ratio));

        var nan = new GradientEntry("x", [0], double.NaN, 1, 1e-3);
        Assert.False(nan.Passes);
        Assert.Equal(double.PositiveInfinity, nan.Ratio);
    }

    [Fact]
    public void The_check_leaves_its_params_alone_and_no_tensor_behind()
    {
        using var x = tensor(new double[] { 0.3, -0.7, 1.1 });
        var before = x.data<double>().ToArray();
        var live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var p = Params.Of(["x"], [x.alias()]);
        var afterParams = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var check = Gradients.Check(q => q["x"].sigmoid().sum(), p);
        Assert.True(check.Passed, check.ToString());
        Assert.Equal(afterParams, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(before, x.data<double>().ToArray());
        Assert.True(live < afterParams);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var scope = NewDisposeScope();
        var p = Params.Of(["x"], [tensor(new double[] { 1, 2 })]);
        Assert.Throws<ArgumentException>(() => Gradients.FiniteDifferences(q => q["x"].sum(), p, eps: 0));
        Assert.Throws<ArgumentException>(() => Gradients.FiniteDifferences(q => q["x"].sum(), p, eps: double.NaN));
        Assert.Throws<ArgumentException>(() => Gradients.Check(q => q["x"].sum(), p, atol: -1));
        Assert.Throws<ArgumentException>(() => Gradients.FiniteDifferences(q => q["x"].mul(2), p)); // two elements
    }
}
