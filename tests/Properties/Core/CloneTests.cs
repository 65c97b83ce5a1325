using Functional.Model;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// Copies that leave nothing behind: a clone of params or of an optimizer's state makes exactly its own tensors, and
/// once it is disposed the live-tensor count is back where it was (an intermediate detached view left to the finalizer
/// would stay counted until a garbage collection).
/// </summary>
public sealed class CloneTests
{
    private static long LiveTensors => TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    private static Params Sample() => Params.Of(["w", "b"], [randn(3, 2), randn(3)]);

    [Fact]
    public void A_params_clone_makes_only_its_own_tensors_and_frees_them_all()
    {
        using var p = Sample();
        var before = LiveTensors;
        var copy = p.Clone();
        Assert.Equal(before + p.Count, LiveTensors);
        Assert.Equal(p.Values.Select(t => t.data<float>().ToArray()), copy.Values.Select(t => t.data<float>().ToArray()));
        copy.Dispose();
        Assert.Equal(before, LiveTensors);
    }

    [Fact]
    public void An_optimizer_state_clone_makes_only_its_own_tensors_and_frees_them_all()
    {
        using var p = Sample();
        using var state = new Adam(0.01).Init(p);
        var before = LiveTensors;
        var copy = state.Clone(p);
        var made = LiveTensors - before;
        Assert.Equal(state.Tensors.Count(), made);
        Assert.True(made > 0, "Adam's state holds tensors (its moments)");
        copy.Dispose();
        Assert.Equal(before, LiveTensors);
    }
}
