using Functional.Model;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>The loop as a fold: cancellation hands over a resumable state, divergence stops the run.</summary>
public sealed class LoopTests
{
    private sealed record Setup(Trainer Trainer, Tensor X, Tensor Y, Params Init, Rng Rng);

    private static Setup Make(double lr)
    {
        var spec = new MlpSpec(2, [3], 1, new Activation.Tanh(), new Activation.Identity());
        var (x, r1) = Rng.Seed(21).Randn(20, 2);
        var (y, r2) = r1.Randn(20, 1);
        var (p, r3) = Init.Initialize(spec, r2);
        return new Setup(new Trainer(spec, new Loss.Mse(), new Adam(lr)), x, y, p, r3);
    }

    private static RunPlan Plan(Setup s, int epochs) => new(epochs, (_, rng) => Batching.Shuffled(s.X, s.Y, 6, rng));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(13)]
    public void Cancelled_mid_epoch_and_resumed_gives_the_same_events_as_one_run(int stopAfterSteps)
    {
        using var scope = NewDisposeScope();
        var s = Make(0.01);
        var plan = Plan(s, 5);
        var uninterrupted = Loop.Run(s.Trainer, s.Trainer.Start(s.Init.Clone(), s.Rng), plan)
            .Where(e => e is StepEvent or EpochEvent).ToList();

        using var cts = new CancellationTokenSource();
        var first = new List<TrainEvent>();
        Finished? stop = null;
        foreach (var e in Loop.Run(s.Trainer, s.Trainer.Start(s.Init.Clone(), s.Rng), plan, cts.Token))
        {
            if (e is Finished f) stop = f;
            else if (e is StepEvent or EpochEvent) first.Add(e);
            if (first.OfType<StepEvent>().Count() == stopAfterSteps) cts.Cancel();
        }
        Assert.NotNull(stop);
        Assert.Equal(StopReason.Cancelled, stop.Reason);
        Assert.Equal(stopAfterSteps, stop.State.Step);
        var rest = Loop.Run(s.Trainer, stop.State, plan with { Start = stop.Next }).Where(e => e is StepEvent or EpochEvent);
        Assert.Equal(uninterrupted, first.Concat(rest).ToList());
    }

    [Fact]
    public void A_non_finite_loss_ends_the_run_as_diverged_with_the_last_finite_loss()
    {
        using var scope = NewDisposeScope();
        var s = Make(0.01);
        var trainer = s.Trainer with { Optimizer = new Sgd(1e3) }; // far too large: each step overshoots further
        var plan = new RunPlan(50, (_, rng) => Batching.FullBatch(s.X, s.Y, rng));
        var events = Loop.Run(trainer, trainer.Start(s.Init, s.Rng), plan).ToList();
        var finished = Assert.IsType<Finished>(events[^1]);
        Assert.Equal(StopReason.Diverged, finished.Reason);
        var steps = events.OfType<StepEvent>().ToList();
        Assert.False(double.IsFinite(steps[^1].Loss));
        Assert.True(steps.Count < 50);
        if (steps.Count > 1) Assert.Equal(steps[^2].Loss, finished.LastFiniteLoss);
    }
}
