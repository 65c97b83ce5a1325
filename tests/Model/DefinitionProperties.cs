using FsCheck.Xunit;
using Xunit;
using Functional.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// Each activation and loss computes what its documentation says, checked against the formula evaluated in plain
/// double arithmetic. Gradient checks cannot see a consistently wrong function (a log-softmax over the wrong
/// dimension differentiates just fine); these properties can.
/// </summary>
public sealed class DefinitionProperties
{
    private const double Tolerance = 1e-12;

    [Property]
    public void Elementwise_activations_match_their_formulas(Matrix m, EluAlpha alpha)
    {
        using var scope = NewDisposeScope();
        var x = new Draws(m.Seed).Normal(m.Shape, 3);
        var xs = TensorAssert.Values(x);
        var a = alpha.Value;
        AssertAll(new Activation.Relu(), x, xs.Select(v => Math.Max(0, v)));
        AssertAll(new Activation.Sigmoid(), x, xs.Select(v => 1 / (1 + Math.Exp(-v))));
        AssertAll(new Activation.Tanh(), x, xs.Select(Math.Tanh));
        AssertAll(new Activation.Elu(a), x, xs.Select(v => v > 0 ? v : a * (Math.Exp(v) - 1)));
        AssertAll(new Activation.Identity(), x, xs);
    }

    [Property]
    public void LogSoftmax_is_each_row_minus_its_logsumexp(Matrix m)
    {
        using var scope = NewDisposeScope();
        var x = new Draws(m.Seed).Normal(m.Shape, 3);
        var rows = Rows(x, m);
        var expected = rows.SelectMany(row =>
        {
            var max = row.Max();
            var lse = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            return row.Select(v => v - lse);
        });
        AssertAll(new Activation.LogSoftmax(), x, expected);
    }

    [Property]
    public void LogSoftmax_rows_are_log_probabilities(Matrix m)
    {
        using var scope = NewDisposeScope();
        var y = new Activation.LogSoftmax().Apply(new Draws(m.Seed).Normal(m.Shape, 3));
        Assert.Equal(m.Shape, y.shape);
        foreach (var row in Rows(y, m))
        {
            Assert.All(row, v => Assert.True(v <= 0, $"log-probability {v} > 0"));
            TensorAssert.Close(1.0, row.Sum(Math.Exp), 1e-12, "row probabilities sum");
        }
    }

    [Property]
    public void Mse_and_Bce_match_their_formulas(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var (o, t) = (d.Normal(m.Shape), d.Normal(m.Shape));
        var (ov, tv) = (TensorAssert.Values(o), TensorAssert.Values(t));
        TensorAssert.Close(ov.Zip(tv, (a, b) => (a - b) * (a - b)).Average(), new Loss.Mse().Compute(o, t).ToDouble(), Tolerance, "mse");
        var (p, q) = (d.Uniform(m.Shape, 0.01, 0.99), d.Uniform(m.Shape, 0, 1));
        var (pv, qv) = (TensorAssert.Values(p), TensorAssert.Values(q));
        var bce = pv.Zip(qv, (a, b) => -(b * Math.Log(a) + (1 - b) * Math.Log(1 - a))).Average();
        TensorAssert.Close(bce, new Loss.Bce().Compute(p, q).ToDouble(), Tolerance, "bce");
    }

    [Property]
    public void CrossEntropy_and_Nll_match_their_formulas(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var logits = d.Normal(m.Shape, 2);
        var target = d.Classes(m.Rows, m.Cols);
        var classes = target.data<long>().ToArray();
        var rows = Rows(logits, m);
        var ce = rows.Select((row, i) =>
        {
            var max = row.Max();
            return max + Math.Log(row.Sum(v => Math.Exp(v - max))) - row[classes[i]];
        }).Average();
        TensorAssert.Close(ce, new Loss.CrossEntropy().Compute(logits, target).ToDouble(), Tolerance, "cross-entropy");
        var nll = rows.Select((row, i) => -row[classes[i]]).Average();
        TensorAssert.Close(nll, new Loss.Nll().Compute(logits, target).ToDouble(), Tolerance, "nll");
    }

    [Property]
    public void CrossEntropy_of_logits_equals_Nll_of_LogSoftmax(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var logits = d.Normal(m.Shape, 2);
        var target = d.Classes(m.Rows, m.Cols);
        var ce = new Loss.CrossEntropy().Compute(logits, target).ToDouble();
        var nll = new Loss.Nll().Compute(new Activation.LogSoftmax().Apply(logits), target).ToDouble();
        TensorAssert.Close(ce, nll, 1e-12, "cross-entropy vs nll∘logsoftmax");
    }

    private static double[][] Rows(Tensor x, Matrix m)
    {
        var v = TensorAssert.Values(x);
        return [.. Enumerable.Range(0, m.Rows).Select(i => v.AsSpan(i * m.Cols, m.Cols).ToArray())];
    }

    private static void AssertAll(Activation activation, Tensor x, IEnumerable<double> expected)
    {
        var y = activation.Apply(x);
        Assert.Equal(x.shape, y.shape);
        var actual = TensorAssert.Values(y);
        var i = 0;
        foreach (var e in expected)
        {
            Assert.True(Math.Abs(e - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(e)),
                $"{activation.Name}: element {i}: expected {e:R}, got {actual[i]:R}");
            i++;
        }
        Assert.Equal(actual.Length, i);
    }
}
