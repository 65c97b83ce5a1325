using System.Collections.Immutable;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Formats;
using Functional.Training.Checkpoints;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>A checkpoint restores exactly the state it saved, and refuses to load into another run.</summary>
public sealed class CheckpointTests
{
    private static readonly MlpSpec Spec = new(3, [4], 2, new Activation.Tanh(), new Activation.Identity());

    private static (Trainer, TrainState) Trained(Optimizer optimizer, int steps)
    {
        var trainer = new Trainer(Spec, new Loss.Mse(), optimizer);
        var (x, r1) = Rng.Seed(2).Randn(6, 3);
        var (y, r2) = r1.Randn(6, 2);
        var (p, r3) = Init.Initialize(Spec, r2);
        var state = trainer.Start(p, r3);
        for (var i = 0; i < steps; i++) state = trainer.Step(state, new Batch(x, y)).State;
        return (trainer, state);
    }

    private static RunInfo Info(Trainer t) =>
        new("test", t.Spec, t.Optimizer.Describe(), new Position(3, 1, 0.25), ImmutableSortedDictionary<string, string>.Empty.Add("Seed", "2"));

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Restores_params_optimizer_state_step_rng_and_position(string which)
    {
        using var scope = NewDisposeScope();
        Optimizer optimizer = which == "sgd" ? new Sgd(0.1, Momentum: 0.9) : new Adam(0.01, Amsgrad: true);
        var (trainer, state) = Trained(optimizer, 5);
        var bytes = Checkpoint.Serialize(state, Info(trainer));
        var (restored, info) = Checkpoint.Deserialize(bytes, "x.safetensors", "test", trainer);
        Assert.Equal(state.Step, restored.Step);
        Assert.Equal(state.Optimizer.Step, restored.Optimizer.Step);
        Assert.Equal(state.Rng, restored.Rng);
        Assert.Equal(new Position(3, 1, 0.25), info.Next);
        Assert.Equal("2", info.Options["Seed"]);
        Assert.Equal(state.Params.Values.Select(TensorAssert.Bytes), restored.Params.Values.Select(TensorAssert.Bytes));
        Assert.Equal(state.Optimizer.Tensors.Select(t => t.Name), restored.Optimizer.Tensors.Select(t => t.Name));
        Assert.Equal(state.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)), restored.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)));
        // The next step from the restored state equals the next step from the original.
        var (x, _) = Rng.Seed(9).Randn(6, 3);
        var (y, _) = Rng.Seed(10).Randn(6, 2);
        var a = trainer.Step(state, new Batch(x, y));
        var b = trainer.Step(restored, new Batch(x, y));
        Assert.Equal(a.Log.Loss, b.Log.Loss);
        Assert.Equal(a.State.Params.Values.Select(TensorAssert.Bytes), b.State.Params.Values.Select(TensorAssert.Bytes));
    }

    [Fact]
    public void Refuses_another_exercise_spec_optimizer_or_a_torn_pair()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Adam(0.01), 2);
        var bytes = Checkpoint.Serialize(state, Info(trainer));
        var other = Checkpoint.Serialize(state, Info(trainer));
        Assert.Contains("a checkpoint of 'test', not 'logic'",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "c", "logic", trainer)).Message);
        Assert.Contains("made for network 3-4-2 tanh/identity",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "c", "test", trainer with { Spec = Spec with { Hidden = [5] } })).Message);
        Assert.Contains("made with adam(lr=0.01)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "c", "test", trainer with { Optimizer = new Adam(0.02) })).Message);
        Assert.Contains("belongs to another checkpoint",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes with { Optimizer = other.Optimizer }, "c", "test", trainer)).Message);
        Assert.Contains("c:",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes with { Params = bytes.Params[..^3] }, "c", "test", trainer)).Message);
    }

    [Fact]
    public void The_params_file_holds_exactly_the_state_dict()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Adam(0.01), 1);
        var file = SafeTensors.Deserialize(Checkpoint.Serialize(state, Info(trainer)).Params, "c");
        Assert.Equal(["l1.bias", "l1.weight", "l2.bias", "l2.weight"], file.Tensors.Select(t => t.Name).Order());
        Assert.All(file.Tensors, t => Assert.Equal("F32", t.DType));
    }
}
