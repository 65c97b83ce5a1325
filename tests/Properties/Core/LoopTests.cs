using Functional.Model;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Ensembles;
using Functional.Training.Exercises;
using Functional.Training.Optimizers;
using Functional.Properties.Support;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// The loop as a fold, for single models and ensembles alike: cancellation hands over a resumable state (mid-epoch
/// included), divergence stops a single run, the Rng is threaded through data and evaluation, and ownership is as
/// documented: nothing the consumer creates is disposed by the loop, and memory stays flat.
/// </summary>
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

    // Runs until the given number of steps, then cancels: the step and epoch events before the stop, and the Finished one.
    private static (List<TrainEvent> Events, Finished Stop) RunUntilCancelled(ITrainer trainer, TrainState initial, RunPlan plan, int steps)
    {
        using var cts = new CancellationTokenSource();
        var events = new List<TrainEvent>();
        Finished? stop = null;
        var taken = 0;
        foreach (var e in Loop.Run(trainer, initial, plan, cts.Token))
        {
            if (e is Finished f) stop = f;
            else if (e is StepEvent or EpochEvent or MemberEpochEvent) events.Add(e);
            if (e is StepEvent && ++taken == steps) cts.Cancel();
        }
        Assert.NotNull(stop);
        Assert.IsType<StopReason.Cancelled>(stop.Reason);
        Assert.Equal(steps, stop.State.Step);
        return (events, stop);
    }

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

        var (first, stop) = RunUntilCancelled(s.Trainer, s.Trainer.Start(s.Init.Clone(), s.Rng), plan, stopAfterSteps);
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
        var diverged = Assert.IsType<StopReason.Diverged>(finished.Reason);
        var steps = events.OfType<StepEvent>().ToList();
        Assert.False(double.IsFinite(steps[^1].Loss));
        // The first loss (at the initial weights) is finite, so there is a last finite loss to report, and the run
        // stops at the first non-finite one, well before its 50 epochs.
        Assert.InRange(steps.Count, 2, 49);
        Assert.All(steps.SkipLast(1), s => Assert.True(double.IsFinite(s.Loss)));
        Assert.Equal(steps[^2].Loss, diverged.LastFiniteLoss);
    }

    // A small XOR ensemble of three members that differ in activation, centering and learning rate.
    private static Prepared<EnsembleTrainer, XorEnsembleData> SmallEnsemble(int epochs) => XorEnsemble.Prepare(
    [
        new XorOptions("sigmoid", Epochs: epochs, Seed: 3),
        new XorOptions("tanh", Center: true, Lr: 0.05, Epochs: epochs, Seed: 4),
        new XorOptions("relu", Init: "uniform", Epochs: epochs, Seed: 5),
    ]);

    [Theory]
    [InlineData(1)]
    [InlineData(313)]
    [InlineData(500)] // the epoch boundary: the next epoch's first step
    [InlineData(777)]
    public void An_ensemble_cancelled_mid_epoch_and_resumed_gives_the_same_events_as_one_run(int stopAfterSteps)
    {
        List<TrainEvent> uninterrupted;
        using (var setup = SmallEnsemble(2))
            uninterrupted = Runs.Events(setup.Trainer, setup.Initial, setup.Plan);
        Assert.Equal(2, uninterrupted.OfType<MemberEpochEvent>().Count());
        Assert.All(uninterrupted.OfType<StepEvent>(), s => Assert.Equal(3, s.MemberLosses!.Count));

        using var again = SmallEnsemble(2);
        var (first, stop) = RunUntilCancelled(again.Trainer, again.Initial, again.Plan, stopAfterSteps);
        Assert.Equal(stopAfterSteps % 500 == 0 ? null : 3, stop.Next.MemberLossSums?.Count);
        var rest = Runs.Events(again.Trainer, stop.State, again.Plan with { Start = stop.Next });
        Assert.Equal(uninterrupted, first.Concat(rest).ToList());
    }

    [Fact]
    public void An_ensemble_resumed_mid_epoch_without_the_members_loss_sums_is_refused()
    {
        using var setup = SmallEnsemble(1);
        var plan = setup.Plan with { Start = new Position(1, 10) };
        Assert.Equal("an ensemble resumed at epoch 1, batch 10 needs the members' loss sums so far (Position.MemberLossSums)",
            Assert.Throws<ArgumentException>(() => Loop.Run(setup.Trainer, setup.Initial, plan).ToList()).Message);
    }

    [Fact]
    public void A_member_whose_loss_turns_non_finite_does_not_stop_the_others()
    {
        // Seed 42 is the tutorial's: tanh on centered data learns XOR within two epochs there (Python-random data).
        using var setup = XorEnsemble.Prepare([new XorOptions("tanh", Center: true, Lr: 10, Epochs: 2, Seed: 42), new XorOptions("tanh", Center: true, Epochs: 2, Seed: 42)]);
        var events = Runs.Events(setup.Trainer, setup.Initial, setup.Plan);
        var epochs = events.OfType<MemberEpochEvent>().ToList();
        Assert.Equal(2, epochs.Count); // both epochs ran
        Assert.False(double.IsFinite(epochs[^1].Loss[0]));
        Assert.True(double.IsFinite(epochs[^1].Loss[1]));
        Assert.True(epochs[^1].Accuracy![1] > 0.9, $"the healthy member learned: accuracy {epochs[^1].Accuracy![1]}");
    }

    public static TheoryData<bool> Kinds => new() { false, true };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_tensor_the_consumer_creates_while_handling_any_event_stays_valid(bool ensemble)
    {
        using var setup = ensemble ? SmallEnsemble(2) : null;
        var s = ensemble ? null : Make(0.01);
        var (trainer, initial, plan) = s is null
            ? (setup!.Trainer, setup.Initial, setup.Plan)
            : ((ITrainer)s.Trainer, s.Trainer.Start(s.Init, s.Rng), Plan(s, 3));
        var made = new List<(string Event, Tensor Tensor)>();
        foreach (var e in Loop.Run(trainer, initial, plan))
        {
            made.Add((e.GetType().Name, full(3, 2f)));
            if (e is Finished f) f.State.Dispose();
        }
        var kinds = made.Select(m => m.Event).Distinct().Order().ToArray();
        Assert.Equal(ensemble ? ["EpochEnd", "Finished", "MemberEpochEvent", "StepEvent"] : ["EpochEnd", "EpochEvent", "Finished", "StepEvent"], kinds);
        foreach (var (kind, t) in made)
        {
            Assert.False(t.IsInvalid, $"a tensor made while handling a {kind} was disposed by the loop");
            Assert.Equal(6f, t.sum().item<float>());
            t.Dispose();
        }
    }

    [Fact]
    public void An_ensemble_run_keeps_the_number_of_live_tensors_flat()
    {
        using var setup = SmallEnsemble(8);
        var counts = new List<long>();
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
        {
            if (e is EpochEnd) counts.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            if (e is Finished f) f.State.Dispose();
        }
        Assert.Equal(8, counts.Count);
        Assert.All(counts, c => Assert.Equal(counts[0], c));
    }

    [Fact]
    public void The_events_can_be_read_once_and_say_so_when_read_again()
    {
        var s = Make(0.01);
        var events = Loop.Run(s.Trainer, s.Trainer.Start(s.Init, s.Rng), Plan(s, 2));
        var finished = events.OfType<Finished>().Single();
        finished.State.Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => events.First());
        Assert.Contains("enumerated once", e.Message);
    }

    [Fact]
    public void The_rng_goes_from_each_epochs_data_draw_through_its_evaluation_to_the_next_draw()
    {
        var s = Make(0.01);
        var drawnWith = new List<Rng>();
        var evaluatedWith = new List<Rng>();
        var evaluatedTo = new List<Rng>();
        var plan = new RunPlan(3, (epoch, rng) =>
        {
            drawnWith.Add(rng);
            return Batching.Shuffled(s.X, s.Y, 6, rng);
        })
        {
            // An evaluation that draws, as iterating a PyTorch DataLoader does (one int64 base seed).
            Evaluate = (p, rng) =>
            {
                evaluatedWith.Add(rng);
                var (seed, next) = rng.Draw(g => randint(0, 1L << 62, [1], dtype: ScalarType.Int64, generator: g));
                seed.Dispose();
                evaluatedTo.Add(next);
                return new(new Evaluation.OfModel(0.5, null), next);
            },
        };
        Finished? finished = null;
        foreach (var e in Loop.Run(s.Trainer, s.Trainer.Start(s.Init, s.Rng), plan)) if (e is Finished f) finished = f;
        using var final = finished!.State;
        Assert.Equal(s.Rng, drawnWith[0]);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            using (NewDisposeScope())
                Assert.Equal(Batching.Shuffled(s.X, s.Y, 6, drawnWith[epoch]).Rng, evaluatedWith[epoch]); // after the data draw
            Assert.NotEqual(evaluatedWith[epoch], evaluatedTo[epoch]);
            if (epoch < 2) Assert.Equal(evaluatedTo[epoch], drawnWith[epoch + 1]); // the next draw starts where the evaluation left
        }
        Assert.Equal(evaluatedTo[^1], final.Rng);
    }

    [Fact]
    public void An_evaluation_of_the_wrong_kind_is_refused()
    {
        var s = Make(0.01);
        var plan = Plan(s, 1) with { Evaluate = (_, rng) => new(new Evaluation.OfMembers([0.5], [1.0]), rng) };
        Assert.Equal("the plan's evaluation returned per-member values for a single model (expected Evaluation.OfModel)",
            Assert.Throws<ArgumentException>(() => Loop.Run(s.Trainer, s.Trainer.Start(s.Init, s.Rng), plan).ToList()).Message);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Clone_is_a_deep_copy_that_outlives_the_original(string optimizer)
    {
        var s = Make(0.01);
        var trainer = optimizer == "sgd" ? s.Trainer with { Optimizer = new Sgd(0.1, Momentum: 0.9) } : s.Trainer;
        var batch = new Batch(s.X, s.Y);
        var state = trainer.Step(trainer.Start(s.Init, s.Rng), batch).State; // non-empty optimizer buffers
        var before = state.Params.Values.Concat(state.Optimizer.Tensors.Select(t => t.Value)).Select(TensorAssert.Bytes).ToList();
        Assert.NotEmpty(state.Optimizer.Tensors);
        using var copy = state.Clone();
        var copied = copy.Params.Values.Concat(copy.Optimizer.Tensors.Select(t => t.Value)).ToList();
        Assert.DoesNotContain(copied, t => state.Params.Values.Concat(state.Optimizer.Tensors.Select(o => o.Value)).Any(o => ReferenceEquals(o, t)));
        var nextFromOriginal = trainer.Step(state, batch);
        state.Dispose();
        Assert.Equal(before, copied.Select(TensorAssert.Bytes).ToList());
        Assert.Equal((state.Step, state.Rng), (copy.Step, copy.Rng));
        Assert.Equal(state.Optimizer.Tensors.Select(t => t.Name), copy.Optimizer.Tensors.Select(t => t.Name));
        var nextFromCopy = trainer.Step(copy, batch);
        using (nextFromOriginal.State)
        using (nextFromCopy.State)
        {
            Assert.Equal(nextFromOriginal.Log, nextFromCopy.Log);
            Assert.Equal(nextFromOriginal.State.Params.Values.Select(TensorAssert.Bytes), nextFromCopy.State.Params.Values.Select(TensorAssert.Bytes));
        }
    }
}
