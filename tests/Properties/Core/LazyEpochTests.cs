using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// Lazy epochs (<see cref="EpochData.Lazy"/>): each batch gathered when its step comes, as a PyTorch DataLoader does.
/// A gathered batch equals the eagerly cut one to the bit, the loop frees it right after its step, a run over lazy
/// epochs equals the same run over the batches made up front, and a resumed epoch gathers from its start position only.
/// </summary>
public sealed class LazyEpochTests
{
    // Random inputs (so equality to the bit means something) and int64 targets.
    private static (Tensor X, Tensor Y) Data(int n, int seed)
    {
        var (x, next) = Rng.Seed(seed).Randn(n, 3);
        var (perm, _) = next.RandPerm(n);
        return (x, perm);
    }

    private static void AssertBatchesEqual(IReadOnlyList<Tensor> expectedInputs, IReadOnlyList<Tensor> expectedTargets, EpochData epoch)
    {
        Assert.True(epoch.IsLazy);
        Assert.Equal(expectedInputs.Count, epoch.Count);
        // Gathered last to first, and twice: a batch does not depend on when or how often it is gathered.
        for (var i = epoch.Count - 1; i >= 0; i--)
            foreach (var b in new[] { epoch.Gather(i), epoch.Gather(i) })
            {
                Assert.Equal(expectedInputs[i].shape, b.Inputs.shape);
                Assert.Equal(TensorAssert.Bytes(expectedInputs[i]), TensorAssert.Bytes(b.Inputs));
                Assert.Equal(TensorAssert.Bytes(expectedTargets[i]), TensorAssert.Bytes(b.Targets));
            }
    }

    [Property]
    public void A_lazily_gathered_batch_equals_the_eagerly_cut_one_to_the_bit(EpochCase c)
    {
        using var scope = NewDisposeScope();
        var (x, y) = Data(c.Samples, c.Seed);
        var rng = Rng.Seed(c.Seed + 1);

        // Eager references, cut by other means: the whole set reordered at once, then split.
        var (perm, afterPerm) = rng.RandPerm(c.Samples);
        var shuffled = Batching.Shuffled(x, y, c.BatchSize, rng);
        Assert.Equal(afterPerm, shuffled.Rng);
        AssertBatchesEqual(x.index_select(0, perm).split(c.BatchSize), y.index_select(0, perm).split(c.BatchSize), shuffled);

        var (order, afterOrder) = DataLoader.ShuffledOrder(c.Samples, rng);
        var loader = DataLoader.IterateShuffled(x, y, c.BatchSize, rng);
        Assert.Equal(afterOrder, loader.Rng);
        AssertBatchesEqual(x.index_select(0, order).split(c.BatchSize), y.index_select(0, order).split(c.BatchSize), loader);

        AssertBatchesEqual(x.split(c.BatchSize), y.split(c.BatchSize), Batching.InOrder(x, y, c.BatchSize, rng));
        AssertBatchesEqual(x.split(c.BatchSize), y.split(c.BatchSize), DataLoader.IterateInOrder(x, y, c.BatchSize, rng));
    }

    [Fact]
    public void Gathering_outside_the_epoch_is_refused_and_an_eager_epoch_hands_out_its_own_batches()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Data(10, 1);
        var lazy = Batching.InOrder(x, y, 4, Rng.Seed(1));
        Assert.Equal(3, lazy.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => lazy.Gather(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => lazy.Gather(-1));
        var eager = Batching.FullBatch(x, y, Rng.Seed(1));
        Assert.False(eager.IsLazy);
        Assert.Same(eager.Gather(0), eager.GatherAll()[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => eager.Gather(1));
    }

    [Fact]
    public void Mapped_inputs_are_the_transform_of_each_batch_and_only_the_untransformed_lazy_inputs_are_freed()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Data(10, 3);
        var transformed = new List<Tensor>();
        Tensor Transform(Tensor inputs)
        {
            transformed.Add(inputs);
            return inputs.mul(2).add(1);
        }

        // Lazy: each gathered batch is (transform(inputs i), targets i); the gathered inputs the transform read are freed.
        var lazy = Batching.InOrder(x, y, 4, Rng.Seed(1)).MapInputs(Transform);
        Assert.True(lazy.IsLazy);
        Assert.Equal(Rng.Seed(1), lazy.Rng);
        AssertBatchesEqual(x.mul(2).add(1).split(4), y.split(4), lazy);
        Assert.Equal(3 * 2, transformed.Count); // AssertBatchesEqual gathers each batch twice
        Assert.All(transformed, t => Assert.True(t.IsInvalid));
        Assert.False(x.IsInvalid);

        // Eager: the stored batches stay their maker's and untouched; the caller gets new tensors.
        transformed.Clear();
        var eager = Batching.FullBatch(x, y, Rng.Seed(2));
        var mapped = eager.MapInputs(Transform);
        var b = mapped.Gather(0);
        Assert.Equal(TensorAssert.Bytes(x.mul(2).add(1)), TensorAssert.Bytes(b.Inputs));
        Assert.Equal(TensorAssert.Bytes(y), TensorAssert.Bytes(b.Targets));
        b.Inputs.Dispose();
        b.Targets.Dispose();
        Assert.False(eager.Gather(0).Inputs.IsInvalid || eager.Gather(0).Targets.IsInvalid);
        Assert.Same(eager.Gather(0).Inputs, Assert.Single(transformed));

        // A transform that throws leaves nothing of the gathered batch alive.
        Batch? seen = null;
        var failing = EpochData.Lazy(1, _ => seen = new Batch(x.clone(), y.clone()), Rng.Seed(3)).MapInputs(_ => throw new InvalidOperationException("no"));
        Assert.Throws<InvalidOperationException>(() => failing.Gather(0));
        Assert.True(seen!.Inputs.IsInvalid && seen.Targets.IsInvalid);
    }

    private sealed record Setup(Trainer Trainer, Tensor X, Tensor Y, Params Init, Rng Rng);

    private static Setup Make()
    {
        var spec = new MlpSpec(3, [5], 1, new Activation.Tanh(), new Activation.Identity());
        var (x, r1) = Rng.Seed(5).Randn(23, 3);
        var (y, r2) = r1.Randn(23, 1);
        var (p, r3) = Init.Initialize(spec, r2);
        return new Setup(new Trainer(spec, new Loss.Mse(), new Adam(0.01)), x, y, p, r3);
    }

    // The loader's epochs, each batch recorded as it is gathered (epoch, batch index, the batch).
    private static RunPlan Recorded(Setup s, int epochs, List<(int Epoch, int Index, Batch Batch)> gathered) => new(epochs, (epoch, rng) =>
    {
        var data = DataLoader.IterateShuffled(s.X, s.Y, 5, rng);
        return EpochData.Lazy(data.Count, i =>
        {
            var b = data.Gather(i);
            gathered.Add((epoch, i, b));
            return b;
        }, data.Rng);
    });

    // The same epochs made eagerly: every batch gathered up front (the loop frees them at the epoch's end).
    private static RunPlan Eager(Setup s, int epochs) => new(epochs, (_, rng) =>
    {
        var data = DataLoader.IterateShuffled(s.X, s.Y, 5, rng);
        return new EpochData(data.GatherAll(), data.Rng);
    });

    private static (List<TrainEvent> Events, TrainState Final) Run(Setup s, TrainState start, RunPlan plan, Action<TrainEvent>? each = null)
    {
        var events = new List<TrainEvent>();
        TrainState? final = null;
        foreach (var e in Loop.Run(s.Trainer, start, plan))
        {
            each?.Invoke(e);
            if (e is Finished f) final = f.State;
            else if (e is StepEvent or EpochEvent) events.Add(e);
        }
        return (events, final!);
    }

    private static long LiveTensors => TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void A_lazy_epochs_batch_is_freed_right_after_its_step_and_the_live_tensors_stay_flat()
    {
        var s = Make();
        var gathered = new List<(int Epoch, int Index, Batch Batch)>();
        var lazyCounts = new List<long>(); // live tensors at each StepEvent, above those before the run
        var start = s.Trainer.Start(s.Init.Clone(), s.Rng);
        var before = LiveTensors;
        Run(s, start, Recorded(s, 3, gathered), e =>
        {
            if (e is not StepEvent step) return;
            lazyCounts.Add(LiveTensors - before);
            var (epoch, index, batch) = gathered[^1];
            Assert.Equal((step.Epoch, step.Batch), (epoch, index)); // gathered for this step, once
            Assert.True(batch.Inputs.IsInvalid && batch.Targets.IsInvalid, $"epoch {epoch}, batch {index}: still alive at its StepEvent");
        }).Final.Dispose();
        Assert.Equal(3 * 5, gathered.Count); // 23 samples in batches of 5: 5 steps per epoch
        Assert.All(lazyCounts, c => Assert.Equal(lazyCounts[0], c));

        // The same run with its epochs made eagerly holds all of an epoch's batches (2 tensors each) during its steps
        // besides the sample order, which is all the lazy one holds.
        var eagerCounts = new List<long>();
        start = s.Trainer.Start(s.Init.Clone(), s.Rng);
        before = LiveTensors;
        Run(s, start, Eager(s, 3), e =>
        {
            if (e is StepEvent) eagerCounts.Add(LiveTensors - before);
        }).Final.Dispose();
        Assert.Equal(15, eagerCounts.Count);
        Assert.All(eagerCounts, c => Assert.Equal(lazyCounts[0] + 2 * 5, c));
    }

    [Fact]
    public void A_run_over_lazy_epochs_equals_the_run_over_the_same_batches_made_up_front_to_the_bit()
    {
        var s = Make();
        var (lazyEvents, lazyFinal) = Run(s, s.Trainer.Start(s.Init.Clone(), s.Rng), Recorded(s, 4, []));
        var (eagerEvents, eagerFinal) = Run(s, s.Trainer.Start(s.Init.Clone(), s.Rng), Eager(s, 4));
        using (lazyFinal)
        using (eagerFinal)
        {
            Assert.Equal(eagerEvents, lazyEvents);
            Assert.Equal(eagerFinal.Rng, lazyFinal.Rng);
            Assert.Equal(eagerFinal.Params.Values.Select(TensorAssert.Bytes), lazyFinal.Params.Values.Select(TensorAssert.Bytes));
        }
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    public void A_run_resumed_mid_epoch_gathers_from_its_position_on_and_ends_exactly_as_one_run(int epoch, int batch)
    {
        var s = Make();
        var (all, allFinal) = Run(s, s.Trainer.Start(s.Init.Clone(), s.Rng), Recorded(s, 3, []));
        using var expected = allFinal;

        // The state at the position: the uninterrupted run's, cut where it stood before step (epoch, batch).
        var steps = (epoch - 1) * 5 + batch;
        using var cts = new CancellationTokenSource();
        Finished? stop = null;
        var taken = 0;
        foreach (var e in Loop.Run(s.Trainer, s.Trainer.Start(s.Init.Clone(), s.Rng), Recorded(s, 3, []), cts.Token))
        {
            if (e is Finished f) stop = f;
            if (e is StepEvent && ++taken == steps) cts.Cancel();
        }
        Assert.Equal(new Position(epoch, batch), stop!.Next with { EpochLossSum = 0 });

        var gathered = new List<(int Epoch, int Index, Batch Batch)>();
        var (rest, final) = Run(s, stop.State, Recorded(s, 3, gathered) with { Start = stop.Next });
        using (final)
        {
            Assert.Equal(all.OfType<StepEvent>().Skip(steps), rest.OfType<StepEvent>());
            Assert.Equal(all.OfType<EpochEvent>().Skip(epoch - 1), rest.OfType<EpochEvent>());
            Assert.Equal(expected.Params.Values.Select(TensorAssert.Bytes), final.Params.Values.Select(TensorAssert.Bytes));
            // Only the batches still to train on are gathered, each once, in order.
            Assert.Equal(all.OfType<StepEvent>().Skip(steps).Select(e => (e.Epoch, e.Batch)), gathered.Select(g => (g.Epoch, g.Index)));
        }
    }
}
