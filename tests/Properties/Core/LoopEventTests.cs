using Functional.Model;
using Functional.Training;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// <see cref="Loop.Run"/>'s contract, event by event, with a trainer whose losses are scripted (so a step's loss, a
/// divergence or a member's loss is put exactly where a test needs it): the order of the events and the positions they
/// carry, what each epoch's loss averages, where a resumed run starts, which states the loop frees and which it hands
/// over, and the inputs it refuses.
/// </summary>
public sealed class LoopEventTests
{
    // The state's one parameter holds the number of steps taken; the step's loss is the script's for (epoch, batch),
    // where each batch's input holds its index. Each step returns new tensors, as a real trainer does.
    private sealed class ScriptedTrainer(Func<int, int, double> loss, int members = 0) : ITrainer
    {
        public MlpSpec Spec { get; } = new(1, [], 1, new Activation.Identity(), new Activation.Identity());
        public Loss Loss { get; } = new Loss.Mse();
        public Optimizer Optimizer { get; } = new Sgd(0.1);
        public List<TrainState> Seen { get; } = [];
        public List<TrainState> Made { get; } = [];

        public TrainState Start(Params p, Rng rng) => new(p, Optimizer.Init(p), 0, rng);

        public Stepped Step(TrainState state, Batch batch)
        {
            Assert.False(state.Params.Values[0].IsInvalid, "the loop stepped from a disposed state");
            Seen.Add(state);
            var epoch = (int)batch.Targets.item<float>();
            var b = (int)batch.Inputs.item<float>();
            var p = new Params(["n"], [tensor((float)(state.Step + 1))]).DetachFromDisposeScope();
            var next = state with { Params = p, Optimizer = Optimizer.Init(p), Step = state.Step + 1 };
            var value = loss(epoch, b);
            Made.Add(next);
            return members == 0
                ? new Stepped(next, new StepLog(value))
                : new Stepped(next, new StepLog(value) { MemberLosses = [.. Enumerable.Range(0, members).Select(k => value * (k + 1))] });
        }
    }

    // Epoch e has `batches` batches: inputs [b], targets [e] (0-d), created inside the plan's Data as a real epoch's are.
    private static RunPlan Plan(int epochs, int batches, List<Tensor>? created = null) => new(epochs, (epoch, rng) =>
    {
        var list = Enumerable.Range(0, batches).Select(b => new Batch(tensor((float)b), tensor((float)epoch))).ToList();
        created?.AddRange(list.SelectMany(x => new[] { x.Inputs, x.Targets }));
        return new EpochData(list, rng);
    });

    private static TrainState Initial(ITrainer trainer) =>
        trainer.Start(new Params(["n"], [tensor(0f)]).DetachFromDisposeScope(), Rng.Seed(1));

    private static double Loss(int epoch, int batch) => 10 * epoch + batch;

    [Fact]
    public void A_run_yields_each_steps_event_then_the_epochs_and_its_end_and_finally_finished()
    {
        var trainer = new ScriptedTrainer(Loss);
        var events = Loop.Run(trainer, Initial(trainer), Plan(2, 3)).ToList();
        var finished = Assert.IsType<Finished>(events[^1]);
        using var final = finished.State;
        TrainEvent[] expected =
        [
            new StepEvent(1, 0, 10), new StepEvent(1, 1, 11), new StepEvent(1, 2, 12), new EpochEvent(1, 11),
            new StepEvent(2, 0, 20), new StepEvent(2, 1, 21), new StepEvent(2, 2, 22), new EpochEvent(2, 21),
        ];
        Assert.Equal(expected, events.Where(e => e is StepEvent or EpochEvent));
        Assert.Equal(["S", "S", "S", "Ep", "End", "S", "S", "S", "Ep", "End", "Fin"], events.Select(Kind));
        Assert.Equal([new Position(2, 0), new Position(3, 0)], events.OfType<EpochEnd>().Select(e => e.Next));
        Assert.Equal(new Position(3, 0), finished.Next);
        Assert.IsType<StopReason.Completed>(finished.Reason);
        Assert.Equal(6, final.Step);
        Assert.Null(events.OfType<StepEvent>().First().MemberLosses);
    }

    private static string Kind(TrainEvent e) => e switch
    {
        StepEvent => "S", EpochEvent or MemberEpochEvent => "Ep", EpochEnd => "End", Finished => "Fin", _ => "?",
    };

    [Fact]
    public void An_epoch_ends_with_the_state_after_its_last_step_lent_until_the_next_event()
    {
        var trainer = new ScriptedTrainer(Loss);
        TrainState? lent = null;
        Finished? finished = null;
        foreach (var e in Loop.Run(trainer, Initial(trainer), Plan(2, 2)))
        {
            if (lent is not null)
            {
                Assert.True(lent.Params.Values[0].IsInvalid || e is not StepEvent, "an epoch end's state outlived the next step");
                lent = null;
            }
            if (e is EpochEnd end)
            {
                Assert.Equal(2 * (end.Next.Epoch - 1), end.State.Step);
                Assert.Equal((float)end.State.Step, end.State.Params.Values[0].item<float>());
                lent = end.State;
            }
            if (e is Finished f) finished = f;
        }
        using var final = finished!.State;
        Assert.False(final.Params.Values[0].IsInvalid); // handed over: the loop's end did not free it
        Assert.Equal(4f, final.Params.Values[0].item<float>());
        // Every state the loop replaced was freed, the initial one included.
        Assert.All(trainer.Seen, s => Assert.True(s.Params.Values[0].IsInvalid));
    }

    [Fact]
    public void A_consumer_that_stops_early_frees_the_current_state_and_the_epochs_data()
    {
        var trainer = new ScriptedTrainer(Loss);
        var created = new List<Tensor>();
        var initial = Initial(trainer);
        foreach (var e in Loop.Run(trainer, initial, Plan(3, 4, created)))
            if (e is StepEvent { Batch: 1 }) break;
        Assert.Equal(2, trainer.Seen.Count);
        Assert.All(trainer.Seen, s => Assert.True(s.Params.Values[0].IsInvalid)); // the initial state and the one after step 1
        Assert.True(trainer.Made[^1].Params.Values[0].IsInvalid, "the state the run held when the consumer stopped was not freed");
        Assert.All(created, t => Assert.True(t.IsInvalid, "the epoch's data outlived the run"));
    }

    [Fact]
    public void The_run_takes_the_initial_state_over_once_it_is_enumerated()
    {
        var trainer = new ScriptedTrainer(Loss);
        var initial = Initial(trainer);
        using (Loop.Run(trainer, initial, Plan(1, 2)).GetEnumerator()) { } // an enumerator never moved runs nothing
        Assert.False(initial.Params.Values[0].IsInvalid);
        foreach (var _ in Loop.Run(trainer, initial, Plan(1, 2))) break;
        Assert.True(initial.Params.Values[0].IsInvalid);
        Assert.True(Assert.Single(trainer.Made).Params.Values[0].IsInvalid);
    }

    [Fact]
    public void Each_epochs_data_is_freed_when_the_epoch_ends_before_its_events_are_yielded()
    {
        var trainer = new ScriptedTrainer(Loss);
        var created = new List<Tensor>();
        Finished? finished = null;
        foreach (var e in Loop.Run(trainer, Initial(trainer), Plan(2, 2, created)))
        {
            if (e is StepEvent s)
                Assert.All(created.Skip(4 * (s.Epoch - 1)), t => Assert.False(t.IsInvalid));
            if (e is EpochEvent ep)
                Assert.All(created.Take(4 * ep.Epoch), t => Assert.True(t.IsInvalid));
            if (e is Finished f) finished = f;
        }
        finished!.State.Dispose();
        Assert.Equal(8, created.Count);
    }

    [Fact]
    public void Cancelled_at_once_hands_back_the_initial_state_at_the_start_position()
    {
        var trainer = new ScriptedTrainer(Loss);
        var initial = Initial(trainer);
        var events = Loop.Run(trainer, initial, Plan(2, 3), new CancellationToken(canceled: true)).ToList();
        var finished = Assert.IsType<Finished>(Assert.Single(events));
        using var state = finished.State;
        Assert.Same(initial, state);
        Assert.False(state.Params.Values[0].IsInvalid);
        Assert.Equal(Position.Start, finished.Next);
        Assert.IsType<StopReason.Cancelled>(finished.Reason);
        Assert.Empty(trainer.Seen);
    }

    [Theory]
    [InlineData(1, 1, 1, 10.0)] // after the first step: epoch 1, batch 1, the loss so far
    [InlineData(2, 1, 2, 21.0)]
    [InlineData(3, 2, 0, 0.0)]  // after an epoch's last step the epoch still ends: cancelled before epoch 2's first step
    [InlineData(4, 2, 1, 20.0)]
    public void Cancelled_after_some_steps_gives_the_position_where_the_run_continues(int steps, int epoch, int batch, double lossSum)
    {
        var trainer = new ScriptedTrainer(Loss);
        using var cts = new CancellationTokenSource();
        var events = new List<TrainEvent>();
        foreach (var e in Loop.Run(trainer, Initial(trainer), Plan(3, 3), cts.Token))
        {
            events.Add(e);
            if (e is StepEvent && events.OfType<StepEvent>().Count() == steps) cts.Cancel();
        }
        var finished = Assert.IsType<Finished>(events[^1]);
        using var state = finished.State;
        Assert.IsType<StopReason.Cancelled>(finished.Reason);
        Assert.Equal(new Position(epoch, batch, lossSum), finished.Next);
        Assert.Equal(steps, state.Step);
        Assert.Equal(steps / 3, events.OfType<EpochEnd>().Count());
    }

    [Fact]
    public void A_resumed_run_takes_the_rest_of_its_epoch_and_averages_the_whole_epoch()
    {
        var trainer = new ScriptedTrainer(Loss);
        var plan = Plan(2, 4) with { Start = new Position(1, 3, EpochLossSum: 33) }; // as if 10, 11, 12 were taken
        var events = Loop.Run(trainer, Initial(trainer), plan).ToList();
        using var final = ((Finished)events[^1]).State;
        Assert.Equal([new StepEvent(1, 3, 13), new EpochEvent(1, (33 + 13) / 4.0)], events.Take(2));
        Assert.Equal(new EpochEvent(2, (20 + 21 + 22 + 23) / 4.0), events.OfType<EpochEvent>().Last());
        Assert.Equal(5, final.Step);
    }

    [Fact]
    public void A_run_resumed_at_the_end_of_an_epoch_takes_no_step_in_it_and_one_past_the_last_epoch_takes_none()
    {
        var trainer = new ScriptedTrainer(Loss);
        var atEnd = Loop.Run(trainer, Initial(trainer), Plan(1, 2) with { Start = new Position(1, 2, EpochLossSum: 21) }).ToList();
        ((Finished)atEnd[^1]).State.Dispose();
        Assert.Equal(["Ep", "End", "Fin"], atEnd.Select(Kind));
        Assert.Equal(new EpochEvent(1, 10.5), atEnd[0]);
        var past = Loop.Run(trainer, Initial(trainer), Plan(2, 2) with { Start = new Position(3, 0) }).ToList();
        var finished = Assert.IsType<Finished>(Assert.Single(past));
        finished.State.Dispose();
        Assert.Equal(new Position(3, 0), finished.Next);
        Assert.IsType<StopReason.Completed>(finished.Reason);
        Assert.Empty(trainer.Seen);
    }

    [Fact]
    public void A_non_finite_loss_stops_a_single_model_at_the_step_after_it_with_its_loss_in_the_sum()
    {
        var trainer = new ScriptedTrainer((e, b) => e == 2 && b == 1 ? double.PositiveInfinity : Loss(e, b));
        var events = Loop.Run(trainer, Initial(trainer), Plan(3, 3)).ToList();
        var finished = Assert.IsType<Finished>(events[^1]);
        using var state = finished.State;
        Assert.Equal(new StopReason.Diverged(20), finished.Reason);
        Assert.Equal(new Position(2, 2, double.PositiveInfinity), finished.Next);
        Assert.Equal(new StepEvent(2, 1, double.PositiveInfinity), events[^2]);
        Assert.Equal(5, state.Step);
        Assert.False(state.Params.Values[0].IsInvalid);
    }

    [Fact]
    public void A_first_step_that_diverges_has_no_last_finite_loss()
    {
        var trainer = new ScriptedTrainer((_, _) => double.NaN);
        var finished = Loop.Run(trainer, Initial(trainer), Plan(2, 2)).OfType<Finished>().Single();
        finished.State.Dispose();
        Assert.Equal(new StopReason.Diverged(null), finished.Reason);
        Assert.Equal(1, finished.Next.Batch);
        Assert.True(double.IsNaN(finished.Next.EpochLossSum));
    }

    [Fact]
    public void An_ensemble_averages_each_members_losses_and_a_non_finite_member_stops_nobody()
    {
        var trainer = new ScriptedTrainer((e, b) => e == 1 && b == 0 ? double.NaN : Loss(e, b), members: 2);
        var events = Loop.Run(trainer, Initial(trainer), Plan(2, 2)).ToList();
        using var final = ((Finished)events[^1]).State;
        Assert.IsType<StopReason.Completed>(((Finished)events[^1]).Reason);
        var epochs = events.OfType<MemberEpochEvent>().ToList();
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs[0].Loss, v => Assert.True(double.IsNaN(v)));
        Assert.Equal([(20 + 21) / 2.0, 2 * (20 + 21) / 2.0], epochs[1].Loss);
        Assert.Equal([10.0 * 1 + 1, 2 * (10.0 * 1 + 1)], events.OfType<StepEvent>().ElementAt(1).MemberLosses!);
        Assert.Empty(events.OfType<EpochEvent>());
    }

    [Fact]
    public void An_ensemble_cancelled_mid_epoch_carries_each_members_loss_sum_and_resumes_from_it()
    {
        var trainer = new ScriptedTrainer(Loss, members: 2);
        using var cts = new CancellationTokenSource();
        Finished? stop = null;
        foreach (var e in Loop.Run(trainer, Initial(trainer), Plan(1, 3), cts.Token))
        {
            if (e is StepEvent { Batch: 1 }) cts.Cancel();
            if (e is Finished f) stop = f;
        }
        Assert.Equal(new Position(1, 2) { MemberLossSums = [10 + 11, 2 * (10 + 11)] }, stop!.Next);
        var rest = Loop.Run(trainer, stop.State, Plan(1, 3) with { Start = stop.Next }).ToList();
        ((Finished)rest[^1]).State.Dispose();
        Assert.Equal([11.0, 22.0], rest.OfType<MemberEpochEvent>().Single().Loss);
    }

    [Fact]
    public void An_ensemble_refuses_member_loss_sums_of_another_size_and_a_single_models_evaluation()
    {
        var trainer = new ScriptedTrainer(Loss, members: 2);
        var sums = Plan(1, 3) with { Start = new Position(1, 1) { MemberLossSums = [1.0, 2.0, 3.0] } };
        Assert.Equal("2 member losses but 3 member loss sums", Assert.Throws<ArgumentException>(() => Loop.Run(trainer, Initial(trainer), sums).ToList()).Message);
        var evaluation = Plan(1, 1) with { Evaluate = (_, rng) => new(new Evaluation.OfModel(0.5, 1), rng) };
        Assert.Contains("expected Evaluation.OfMembers", Assert.Throws<ArgumentException>(() => Loop.Run(trainer, Initial(trainer), evaluation).ToList()).Message);
    }

    [Fact]
    public void The_evaluation_runs_without_grad_on_the_epochs_last_params_and_its_tensors_are_freed()
    {
        var trainer = new ScriptedTrainer(Loss);
        var made = new List<Tensor>();
        var plan = Plan(2, 3) with
        {
            Evaluate = (p, rng) =>
            {
                Assert.False(is_grad_enabled());
                var t = p.Values[0].mul(2);
                made.Add(t);
                return new(new Evaluation.OfModel(t.item<float>(), 0.75), rng);
            },
        };
        var events = Loop.Run(trainer, Initial(trainer), plan).ToList();
        ((Finished)events[^1]).State.Dispose();
        Assert.Equal([new EpochEvent(1, 11, 6, 0.75), new EpochEvent(2, 21, 12, 0.75)], events.OfType<EpochEvent>());
        Assert.All(made, t => Assert.True(t.IsInvalid));
        Assert.True(is_grad_enabled());
    }

    [Theory]
    [InlineData(0, 1, 0, "epochs must be positive, got 0")]
    [InlineData(1, 0, 0, "the start position must have an epoch from 1 and a batch from 0, got epoch 0, batch 0")]
    [InlineData(1, 1, -1, "the start position must have an epoch from 1 and a batch from 0, got epoch 1, batch -1")]
    [InlineData(1, 1, 3, "the start position's batch 3 is past the 2 batches of epoch 1")]
    public void A_plan_that_cannot_run_is_refused(int epochs, int startEpoch, int startBatch, string message)
    {
        var trainer = new ScriptedTrainer(Loss);
        var plan = Plan(epochs, 2) with { Start = new Position(startEpoch, startBatch) };
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Loop.Run(trainer, Initial(trainer), plan).ToList()).Message);
    }

    [Fact]
    public void An_epoch_without_batches_is_refused() =>
        Assert.Equal("the data of epoch 1 has no batches",
            Assert.Throws<ArgumentException>(() => Loop.Run(new ScriptedTrainer(Loss), Initial(new ScriptedTrainer(Loss)), Plan(1, 0)).ToList()).Message);
}
