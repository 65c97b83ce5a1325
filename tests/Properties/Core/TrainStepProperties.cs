using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>Purity and determinism of the training step, the initialisation and the Rng, over random specs, losses, optimizers and seeds.</summary>
public sealed class TrainStepProperties
{
    [Property]
    public void Step_never_changes_its_input_tensors(StepCase c)
    {
        using var scope = NewDisposeScope();
        var (trainer, state, batch) = Setup(c);
        state = trainer.Step(state, batch).State; // optimizer buffers are non-trivial from here on
        var inputs = state.Params.Values.Concat(state.Optimizer.Tensors.Select(t => t.Value)).Append(batch.Inputs).Append(batch.Targets).ToArray();
        var before = inputs.Select(TensorAssert.Bytes).ToArray();
        var next = trainer.Step(state, batch).State;
        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(before[i], TensorAssert.Bytes(inputs[i]));
        Assert.All(state.Params.Values, t => Assert.False(t.requires_grad));
        Assert.Equal(state.Step + 1, next.Step);
        Assert.Equal(state.Rng, next.Rng);
    }

    [Property]
    public void The_same_state_and_batch_give_the_same_result_twice(StepCase c)
    {
        using var scope = NewDisposeScope();
        var (trainer, state, batch) = Setup(c);
        state = trainer.Step(state, batch).State;
        var a = trainer.Step(state, batch);
        var b = trainer.Step(state, batch);
        Assert.Equal(a.Log.Loss, b.Log.Loss);
        Assert.Equal(Bytes(a.State), Bytes(b.State));
    }

    [Property]
    public void The_same_seed_gives_the_same_initial_params(NetCase c, int seed)
    {
        using var scope = NewDisposeScope();
        var a = Init.Initialize(c.Spec, Rng.Seed(seed));
        var b = Init.Initialize(c.Spec, Rng.Seed(seed));
        Assert.Equal(c.Spec.ParamNames().ToArray(), a.Value.Names.ToArray());
        Assert.Equal(a.Value.Values.Select(TensorAssert.Bytes), b.Value.Values.Select(TensorAssert.Bytes));
        Assert.Equal(a.Rng, b.Rng);
        var other = Init.Initialize(c.Spec, Rng.Seed(seed + 1L));
        Assert.NotEqual(a.Value.Values.Select(TensorAssert.Bytes), other.Value.Values.Select(TensorAssert.Bytes));
    }

    [Property]
    public void Two_Rngs_split_from_one_give_different_streams(int seed)
    {
        using var scope = NewDisposeScope();
        var rng = Rng.Seed(seed);
        var (first, second) = rng.Split();
        Assert.NotEqual(first, second);
        var a = TensorAssert.Values(first.Rand(16).Value);
        var b = TensorAssert.Values(second.Rand(16).Value);
        Assert.NotEqual(a, b);
        Assert.NotEqual(TensorAssert.Values(rng.Rand(16).Value), a);
        var (again, _) = Rng.Seed(seed).Split();
        Assert.Equal(first, again); // splitting is itself deterministic
    }

    private static (Trainer, TrainState, Batch) Setup(StepCase c)
    {
        var (p, batch) = Networks.Materialize(c.Net, ScalarType.Float32);
        var trainer = new Trainer(c.Net.Spec, c.Net.Loss, c.Optimizer);
        return (trainer, trainer.Start(p, Rng.Seed(c.Net.Seed)), batch);
    }

    private static byte[][] Bytes(TrainState s) =>
        [.. s.Params.Values.Concat(s.Optimizer.Tensors.Select(t => t.Value)).Select(TensorAssert.Bytes)];
}
