using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>The training step is a pure function of its inputs.</summary>
public sealed class TrainStepTests
{
    private static (Trainer, TrainState, Batch) Setup(Optimizer optimizer)
    {
        var spec = new MlpSpec(3, [5, 4], 2, new Activation.Tanh(), new Activation.Identity());
        var trainer = new Trainer(spec, new Loss.Mse(), optimizer);
        var (x, r1) = Rng.Seed(5).Randn(8, 3);
        var (y, r2) = r1.Randn(8, 2);
        var (p, r3) = Init.Initialize(spec, r2);
        return (trainer, trainer.Start(p, r3), new Batch(x, y));
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "sgd-momentum", "adam", "adam-amsgrad" };

    private static Optimizer Make(string name) => name switch
    {
        "sgd" => new Sgd(0.1),
        "sgd-momentum" => new Sgd(0.1, Momentum: 0.9, WeightDecay: 0.01),
        "adam" => new Adam(0.01),
        _ => new Adam(0.01, WeightDecay: 0.1, Amsgrad: true),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Step_does_not_change_its_input_tensors(string optimizer)
    {
        using var scope = NewDisposeScope();
        var (trainer, state, batch) = Setup(Make(optimizer));
        state = trainer.Step(state, batch).State; // a state with non-trivial optimizer buffers
        var inputs = state.Params.Values.Concat(state.Optimizer.Tensors.Select(t => t.Value)).Append(batch.Inputs).Append(batch.Targets).ToArray();
        var before = inputs.Select(TensorAssert.Bytes).ToArray();
        var next = trainer.Step(state, batch);
        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(before[i], TensorAssert.Bytes(inputs[i]));
        Assert.Equal(state.Step + 1, next.State.Step);
        Assert.All(state.Params.Values, t => Assert.False(t.requires_grad));
        Assert.DoesNotContain(next.State.Params.Values, t => state.Params.Values.Any(o => ReferenceEquals(o, t)));
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void The_same_state_and_batch_give_the_same_result_twice(string optimizer)
    {
        using var scope = NewDisposeScope();
        var (trainer, state, batch) = Setup(Make(optimizer));
        var a = trainer.Step(state, batch);
        var b = trainer.Step(state, batch);
        Assert.Equal(a.Log.Loss, b.Log.Loss);
        for (var i = 0; i < a.State.Params.Count; i++)
            Assert.Equal(TensorAssert.Bytes(a.State.Params.Values[i]), TensorAssert.Bytes(b.State.Params.Values[i]));
    }

    [Fact]
    public void Step_leaves_no_live_tensors_behind()
    {
        var (trainer, state, batch) = Setup(new Adam(0.01));
        var s = trainer.Step(state, batch).State.DetachFromDisposeScope(); // warm-up
        var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 200; i++)
        {
            var next = trainer.Step(s, batch).State;
            s.Dispose();
            s = next;
        }
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        s.Dispose();
        state.Dispose();
        batch.Inputs.Dispose();
        batch.Targets.Dispose();
    }
}
