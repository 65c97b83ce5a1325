using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>State tensors by their checkpoint names: read back only when every one is there, shaped like its param.</summary>
public sealed class TransformStateTests
{
    [Fact]
    public void Named_prefixes_each_tree_to_its_params_names()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(60);
        using var state = new ScaleByAdamState(TestTrees.Draw(d), TestTrees.Draw(d), Params.Empty);
        Assert.Equal(["exp_avg.w", "exp_avg.b", "exp_avg_sq.w", "exp_avg_sq.b"], StateTensors.Named(state).Select(t => t.Name));
        Assert.Same(state.ExpAvgSq["b"], StateTensors.Named(state).Single(t => t.Name == "exp_avg_sq.b").Value);
        Assert.Empty(StateTensors.Named(EmptyState.Instance));
    }

    [Fact]
    public void Read_takes_over_the_tensors_and_refuses_missing_or_misshapen_ones()
    {
        using var scope = NewDisposeScope();
        var p = TestTrees.Draw(new Draws(61));
        var stored = new Dictionary<string, Tensor> { ["m.w"] = ones(3, 2), ["m.b"] = ones(3) };
        var tree = StateTensors.Read(p, "m", stored);
        Assert.Same(stored["m.w"], tree["w"]);
        Assert.Equal("optimizer state lacks 'n.w'", Assert.Throws<InvalidDataException>(() => StateTensors.Read(p, "n", stored)).Message);
        stored["m.b"] = ones(2);
        Assert.Equal("optimizer state 'm.b' is Float32 [2], its parameter Float32 [3]",
            Assert.Throws<InvalidDataException>(() => StateTensors.Read(p, "m", stored)).Message);
        stored["m.b"] = ones(3);
        stored["m.w"] = ones(2, 3);
        Assert.Equal("optimizer state 'm.w' is Float32 [2, 3], its parameter Float32 [3, 2]",
            Assert.Throws<InvalidDataException>(() => StateTensors.Read(p, "m", stored)).Message);
        stored["m.w"] = ones(3, 2);
        stored["m.b"] = ones(3, dtype: ScalarType.Float64);
        Assert.Equal("optimizer state 'm.b' is Float64 [3], its parameter Float32 [3]",
            Assert.Throws<InvalidDataException>(() => StateTensors.Read(p, "m", stored)).Message);
    }
}
