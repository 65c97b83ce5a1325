using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>The tree helpers: torch.optim's ops tensor by tensor, to the bit, inputs untouched.</summary>
public sealed class TreeMathTests
{
    [Fact]
    public void Each_helper_is_torchs_op_on_every_tensor_and_changes_no_input()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(50);
        var (a, b) = (TestTrees.Draw(d), TestTrees.Draw(d));
        var before = a.Values.Concat(b.Values).Select(TensorAssert.Bytes).ToArray();

        TensorAssert.Identical(a.Zip(b, (x, y) => x.mul(0.9).add(y, alpha: 0.1)), a.Moment(b, 0.9, 0.1), "moment");
        TensorAssert.Identical(a.Zip(b, (x, y) => x.mul(0.99).addcmul(y, y, value: 0.01)), a.SquaredMoment(b, 0.99, 0.01), "squared moment");
        TensorAssert.Identical(a.Zip(b, (x, y) => x.add(y, alpha: 0.3)), a.ScaledAdd(b, 0.3), "scaled add");
        TensorAssert.Identical(a.Zip(b, (x, y) => x.maximum(y)), a.Maximum(b), "maximum");
        TensorAssert.Identical(a.Map(x => zeros_like(x)), a.ZerosLike(), "zeros");

        Assert.Equal(before, a.Values.Concat(b.Values).Select(TensorAssert.Bytes));
    }

    [Fact]
    public void Bias_correction_is_one_minus_decay_to_the_step()
    {
        Assert.Equal(1 - 0.9, TreeMath.BiasCorrection(0.9, 1));
        Assert.Equal(1 - Math.Pow(0.999, 1000), TreeMath.BiasCorrection(0.999, 1000));
        Assert.Equal(1, TreeMath.BiasCorrection(0, 3));
    }

    [Fact]
    public void Trees_must_share_their_names()
    {
        using var scope = NewDisposeScope();
        var a = TestTrees.Draw(new Draws(51));
        var other = new Params(["x", "b"], a.Values);
        Assert.Throws<ArgumentException>(() => a.ScaledAdd(other, 1));
    }
}
