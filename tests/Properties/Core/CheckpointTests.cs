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
        new("test", t.Spec, t.Optimizer, new Position(3, 1, 0.25), ImmutableSortedDictionary<string, string>.Empty.Add("Seed", "2"));

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
    public void A_generator_state_that_is_not_one_is_corrupt_metadata_not_a_crash()
    {
        // Before Rng.FromState checked the bytes itself, libtorch's failed check aborted the whole process here.
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Sgd(0.1), 1);
        var bytes = Checkpoint.Serialize(state, Info(trainer));
        var file = SafeTensors.Deserialize(bytes.Params, "c");
        var rng = Convert.FromBase64String(file.Metadata!["rng"]);
        var torn = SafeTensors.Serialize(file.Tensors,
            file.Metadata.ToDictionary(m => m.Key, m => m.Key == "rng" ? Convert.ToBase64String(rng[..^1]) : m.Value));
        Assert.Equal($"c: corrupt checkpoint metadata (a generator state has {rng.Length} bytes, got {rng.Length - 1})",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes with { Params = torn }, "c", "test", trainer)).Message);
    }

    [Fact]
    public void The_optimizer_is_stored_as_data_and_compared_by_value()
    {
        using var scope = NewDisposeScope();
        var adam = new Adam(0.005, 0.85, 0.95, 1e-6, 0.02, Amsgrad: true);
        var (trainer, state) = Trained(adam, 3);
        var bytes = Checkpoint.Serialize(state, Info(trainer));
        const string json = """{"kind":"adam","lr":0.005,"betas":[0.85,0.95],"eps":1E-06,"weight_decay":0.02,"amsgrad":true}""";
        var paramsFile = SafeTensors.Deserialize(bytes.Params, "c");
        var optimFile = SafeTensors.Deserialize(bytes.Optimizer, "c");
        Assert.Equal(json, paramsFile.Metadata!["optimizer"]);
        Assert.Equal(json, optimFile.Metadata!["optimizer"]);
        Assert.False(paramsFile.Metadata.ContainsKey("optimizer_step")); // one step counter: the run's "step"
        // The optimizer state keeps torch.optim's names.
        Assert.Equal(new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }.SelectMany(b => Spec.ParamNames().Select(n => $"{b}.{n}")).Order(),
            optimFile.Tensors.Select(t => t.Name).Order());

        var (restored, info) = Checkpoint.Deserialize(bytes, "c", "test", trainer with { Optimizer = adam.With() });
        Assert.Equal(adam, info.Optimizer);
        restored.Dispose();

        // Equal by value, not by text: the same optimizer written another way resumes; one changed value does not.
        byte[] WithOptimizer(string text) => SafeTensors.Serialize(paramsFile.Tensors,
            paramsFile.Metadata.ToDictionary(m => m.Key, m => m.Key == "optimizer" ? text : m.Value));
        var respelled = """{"amsgrad":true,"weight_decay":2e-2,"eps":0.000001,"betas":[0.85,0.950],"lr":5e-3,"kind":"adam"}""";
        Checkpoint.Deserialize(bytes with { Params = WithOptimizer(respelled) }, "c", "test", trainer).State.Dispose();
        Assert.Equal("c: made with adam(lr=0.005, betas=(0.85, 0.95), eps=1E-06, weight_decay=0.02), but this run uses "
                     + "adam(lr=0.005, betas=(0.85, 0.95), eps=1E-06, weight_decay=0.02, amsgrad)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes with { Params = WithOptimizer(json.Replace("true", "false")) }, "c", "test", trainer)).Message);
        Assert.Equal("c: corrupt checkpoint metadata (not a valid optimizer (Invalid beta parameter at index 0: 1))",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes with { Params = WithOptimizer(json.Replace("0.85", "1")) }, "c", "test", trainer)).Message);
    }

    [Fact]
    public void A_per_member_learning_rate_round_trips_through_a_checkpoint()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Sgd(0.1, Momentum: 0.9), 2);
        var members = new Sgd(LearningRate.PerMember([0.1, 0.01, 0.5]), Momentum: 0.9);
        var bytes = Checkpoint.Serialize(state, Info(trainer) with { Optimizer = members });
        var (restored, info) = Checkpoint.Deserialize(bytes, "c", "test", trainer with { Optimizer = members });
        Assert.Equal(members, info.Optimizer);
        Assert.Equal(state.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)), restored.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)));
        Assert.Contains("made with sgd(lr=[0.1, 0.01, 0.5], momentum=0.9), but this run uses sgd(lr=0.1, momentum=0.9)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "c", "test", trainer)).Message);
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

    [Fact]
    public void Carries_an_ensembles_member_loss_sums_and_a_stage_exactly()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Sgd(0.1), 1);
        var next = new Position(2, 7) { MemberLossSums = [0.1 + 0.2, double.NaN, double.PositiveInfinity, -0.0, 1e-300] };
        var info = Info(trainer) with { Next = next, Stage = "{\"stage\":1}" };
        var bytes = Checkpoint.Serialize(state, info);
        var read = Checkpoint.ReadInfo(bytes, "c", "test");
        Assert.Equal(next, read.Next);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(read.Next.MemberLossSums![3]));
        Assert.Equal("{\"stage\":1}", read.Stage);
        var (restored, restoredInfo) = Checkpoint.Deserialize(bytes, "c", "test", trainer);
        Assert.Equal(next, restoredInfo.Next);
        Assert.Equal(state.Step, restored.Step);
        // A single model's checkpoint has neither.
        var single = Checkpoint.ReadInfo(Checkpoint.Serialize(state, Info(trainer)), "c", "test");
        Assert.Null(single.Next.MemberLossSums);
        Assert.Null(single.Stage);
    }
}
