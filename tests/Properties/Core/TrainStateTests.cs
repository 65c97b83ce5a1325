using Functional.Model;
using Functional.Training;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>A train state owns its tensors: it can be taken out of a DisposeScope whole, and freed whole.</summary>
public sealed class TrainStateTests
{
    private static readonly MlpSpec Spec = new(2, [3], 1, new Activation.Tanh(), new Activation.Identity());

    private static (Trainer, TrainState, Batch) Stepped(Optimizer optimizer)
    {
        var trainer = new Trainer(Spec, new Loss.Mse(), optimizer);
        var (x, r1) = Rng.Seed(3).Randn(4, 2);
        var (y, r2) = r1.Randn(4, 1);
        var (p, r3) = Init.Initialize(Spec, r2);
        var batch = new Batch(x, y);
        return (trainer, trainer.Step(trainer.Start(p, r3), batch).State, batch);
    }

    private static Tensor[] TensorsOf(TrainState s) => [.. s.Params.Values, .. s.Optimizer.Tensors.Select(t => t.Value)];

    [Fact]
    public void Start_takes_the_params_over_at_step_0_with_a_fresh_optimizer_state()
    {
        using var scope = NewDisposeScope();
        var trainer = new Trainer(Spec, new Loss.Mse(), new Adam(0.1));
        var (p, rng) = Init.Initialize(Spec, Rng.Seed(1));
        var state = trainer.Start(p, rng);
        Assert.Same(p, state.Params);
        Assert.Equal((0L, rng), (state.Step, state.Rng));
        Assert.All(state.Optimizer.Tensors, t => Assert.All(TensorAssert.Values(t.Value), v => Assert.Equal(0.0, v)));
        Assert.Equal(2 * p.Count, state.Optimizer.Tensors.Count()); // exp_avg and exp_avg_sq (max_exp_avg_sq only with AMSGrad)
    }

    [Fact]
    public void A_state_taken_out_of_its_scope_outlives_it_and_Dispose_frees_every_tensor()
    {
        TrainState state;
        using (NewDisposeScope())
        {
            // Params and a fresh optimizer state made inside the scope, as a checkpoint restore makes them.
            var trainer = new Trainer(Spec, new Loss.Mse(), new Adam(0.01, Amsgrad: true));
            var (p, rng) = Init.Initialize(Spec, Rng.Seed(4));
            state = trainer.Start(p, rng);
            Assert.Same(state, state.DetachFromDisposeScope());
        }
        var tensors = TensorsOf(state);
        Assert.Equal(2 * 2 + 3 * 2 * 2, tensors.Length); // params, then exp_avg, exp_avg_sq, max_exp_avg_sq
        Assert.All(tensors, t => Assert.False(t.IsInvalid));
        state.Dispose();
        Assert.All(tensors, t => Assert.True(t.IsInvalid));
    }

    [Fact]
    public void A_step_returns_a_state_in_no_scope_even_when_called_inside_one()
    {
        TrainState next;
        using (NewDisposeScope())
        {
            var (trainer, state, batch) = Stepped(new Sgd(0.1, Momentum: 0.9));
            next = trainer.Step(state, batch).State;
        }
        Assert.All(TensorsOf(next), t => Assert.False(t.IsInvalid));
        Assert.Equal(2, next.Step);
        next.Dispose();
    }
}
