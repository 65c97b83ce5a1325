using System.Collections;
using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training;

/// <summary>How a run is driven: epoch count, the data of each epoch, an optional per-epoch evaluation and a start position.</summary>
/// <param name="Epochs">Total number of epochs (the run ends after epoch <c>Epochs</c>).</param>
/// <param name="Data">
/// Draws one epoch's batches from the run's Rng; called with the epoch number (from 1). Must be pure. Tensors it creates
/// belong to that epoch: the loop disposes them once the epoch's steps and evaluation are done.
/// </param>
public sealed record RunPlan(int Epochs, Func<int, Rng, EpochData> Data)
{
    /// <summary>
    /// Evaluated after each epoch's steps, under no_grad, at the new params and the Rng the epoch's data draw left; returns
    /// the evaluation and the Rng after it (the same Rng unless the evaluation draws, as iterating a PyTorch DataLoader
    /// does). <see cref="Evaluation.OfModel"/> for a <see cref="Trainer"/>, <see cref="Evaluation.OfMembers"/> for an ensemble.
    /// </summary>
    public Func<Params, Rng, Drawn<Evaluation>>? Evaluate { get; init; }
    /// <summary>Where to start: <see cref="Position.Start"/>, or a position saved by an earlier, interrupted run.</summary>
    public Position Start { get; init; } = Position.Start;

    /// <summary>
    /// A copy with the given fields replaced and the rest kept: the <c>with</c> of languages without C#'s (F#:
    /// <c>plan.With(epochs = 20)</c>). An evaluation, once set, is removed with C#'s <c>with { Evaluate = null }</c>.
    /// </summary>
    public RunPlan With(int? epochs = null, Func<int, Rng, EpochData>? data = null, Func<Params, Rng, Drawn<Evaluation>>? evaluate = null, Position? start = null) =>
        new(epochs ?? Epochs, data ?? Data) { Evaluate = evaluate ?? Evaluate, Start = start ?? Start };
}

/// <summary>The training loop as a fold over epochs and batches that yields its log as data, for single models and ensembles alike.</summary>
public static class Loop
{
    /// <summary>
    /// Runs <paramref name="plan"/> from <paramref name="initial"/> with <paramref name="trainer"/>'s step.
    /// <para>
    /// Events, in order: per step a <see cref="StepEvent"/> (with each member's loss for an ensemble); per epoch an
    /// <see cref="EpochEvent"/> (one model) or a <see cref="MemberEpochEvent"/> (an ensemble), then an <see cref="EpochEnd"/>;
    /// and always, last, a <see cref="Finished"/> saying why the run stopped. The Rng is threaded as the tutorials draw:
    /// the epoch's data draw, its steps, its evaluation, then the next epoch's draw.
    /// </para>
    /// <para>
    /// Ownership (the one rule): the run owns <paramref name="initial"/> and every state after it, and disposes each as
    /// soon as its successor exists, or when the consumer stops enumerating, so memory stays flat however long the run.
    /// To keep the initial params, pass a clone. An <see cref="EpochEnd"/>'s state is lent: valid until the next event is
    /// requested (<see cref="TrainStateExtensions.Clone"/> it to keep it). The <see cref="Finished"/> state is handed over: the
    /// consumer owns it and must dispose it. No DisposeScope of the loop is open while an event is yielded, so whatever
    /// the consumer creates while handling an event is the consumer's alone and stays valid. Tensors that
    /// <see cref="RunPlan.Data"/> creates are disposed when their epoch ends. The events can be enumerated once.
    /// </para>
    /// <para>
    /// Cancellation is checked between steps: the current step always completes, and the <see cref="Finished"/> position
    /// resumes the run exactly (mid-epoch included: pass it as <see cref="RunPlan.Start"/> with the finished state). A
    /// single model whose loss turns NaN or infinite stops as <see cref="StopReason.Diverged"/>; in an ensemble such a
    /// member does not stop the others (its numbers simply stay non-finite).
    /// </para>
    /// </summary>
    public static IEnumerable<TrainEvent> Run(ITrainer trainer, TrainState initial, RunPlan plan, CancellationToken cancel = default) =>
        new Once<TrainEvent>(Fold(trainer, initial, plan, cancel), "Loop.Run's events can be enumerated once (the first pass disposed its states); call Loop.Run again with a fresh initial state");

    private static IEnumerable<TrainEvent> Fold(ITrainer trainer, TrainState initial, RunPlan plan, CancellationToken cancel)
    {
        if (plan.Epochs <= 0) throw new ArgumentException($"epochs must be positive, got {plan.Epochs}");
        if (plan.Start.Epoch < 1 || plan.Start.Batch < 0)
            throw new ArgumentException($"the start position must have an epoch from 1 and a batch from 0, got epoch {plan.Start.Epoch}, batch {plan.Start.Batch}");
        var state = initial;
        var handedOver = false;
        var epochTensors = new List<IDisposable>();
        double? lastFinite = null;
        try
        {
            for (var epoch = plan.Start.Epoch; epoch <= plan.Epochs; epoch++)
            {
                var resumed = epoch == plan.Start.Epoch;
                var first = resumed ? plan.Start.Batch : 0;
                var lossSum = resumed ? plan.Start.EpochLossSum : 0;
                var memberSums = resumed ? plan.Start.MemberLossSums?.ToArray() : null; // non-null: an ensemble's epoch
                var data = Draw(plan, epoch, state.Rng, epochTensors);
                var count = data.Batches.Count;
                if (count == 0) throw new ArgumentException($"the data of epoch {epoch} has no batches");
                if (first > count) throw new ArgumentException($"the start position's batch {first} is past the {count} batches of epoch {epoch}");
                for (var b = first; b < count; b++)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        handedOver = true;
                        yield return new Finished(state, new Position(epoch, b, lossSum) { MemberLossSums = memberSums?.ToArray() }, new StopReason.Cancelled());
                        yield break;
                    }
                    var (next, log) = trainer.Step(state, data.Batches[b]);
                    state.Dispose();
                    state = next;
                    yield return new StepEvent(epoch, b, log.Loss) { MemberLosses = log.MemberLosses };
                    if (log.MemberLosses is { } members)
                    {
                        memberSums = Accumulate(memberSums, members, b, epoch);
                        continue; // a member's non-finite loss stops nobody
                    }
                    if (!double.IsFinite(log.Loss))
                    {
                        handedOver = true;
                        yield return new Finished(state, new Position(epoch, b + 1, lossSum + log.Loss), new StopReason.Diverged(lastFinite));
                        yield break;
                    }
                    lastFinite = log.Loss;
                    lossSum += log.Loss;
                }
                var evaluation = Evaluate(plan, state.Params, data.Rng);
                state = state with { Rng = evaluation.Rng };
                DisposeAll(epochTensors); // the epoch's data are done with before anything is yielded
                yield return memberSums is null
                    ? EpochOf(epoch, lossSum / count, evaluation.Value)
                    : MemberEpochOf(epoch, [.. memberSums.Select(s => s / count)], evaluation.Value);
                yield return new EpochEnd(state, new Position(epoch + 1, 0));
            }
            handedOver = true;
            yield return new Finished(state, new Position(plan.Epochs + 1, 0), new StopReason.Completed());
        }
        finally
        {
            DisposeAll(epochTensors);
            if (!handedOver) state.Dispose();
        }
    }

    // Draws the epoch's data in a scope of its own, then takes what it created out of that scope: the epoch owns it
    // (disposed by DisposeAll), and no scope stays open while events are yielded.
    private static EpochData Draw(RunPlan plan, int epoch, Rng rng, List<IDisposable> owned)
    {
        using var scope = NewDisposeScope();
        var data = plan.Data(epoch, rng);
        var created = scope.DisposablesView.ToList();
        scope.Detach(created);
        owned.AddRange(created);
        return data;
    }

    // The evaluation runs in a scope of its own and returns numbers: nothing it creates outlives it.
    private static Drawn<Evaluation?> Evaluate(RunPlan plan, Params p, Rng rng)
    {
        if (plan.Evaluate is not { } evaluate) return new(null, rng);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (value, next) = evaluate(p, rng);
        return new(value, next);
    }

    private static double[] Accumulate(double[]? sums, IReadOnlyList<double> members, int batch, int epoch)
    {
        if (sums is null)
        {
            if (batch > 0)
                throw new ArgumentException($"an ensemble resumed at epoch {epoch}, batch {batch} needs the members' loss sums so far (Position.MemberLossSums)");
            sums = new double[members.Count];
        }
        if (sums.Length != members.Count)
            throw new ArgumentException($"{members.Count} member losses but {sums.Length} member loss sums");
        for (var k = 0; k < sums.Length; k++) sums[k] += members[k];
        return sums;
    }

    private static EpochEvent EpochOf(int epoch, double loss, Evaluation? evaluation) => evaluation switch
    {
        null => new EpochEvent(epoch, loss),
        Evaluation.OfModel m => new EpochEvent(epoch, loss, m.Loss, m.Accuracy),
        _ => throw new ArgumentException("the plan's evaluation returned per-member values for a single model (expected Evaluation.OfModel)"),
    };

    private static MemberEpochEvent MemberEpochOf(int epoch, double[] loss, Evaluation? evaluation) => evaluation switch
    {
        null => new MemberEpochEvent(epoch, loss),
        Evaluation.OfMembers m => new MemberEpochEvent(epoch, loss, m.Loss, m.Accuracy),
        _ => throw new ArgumentException("the plan's evaluation returned one model's values for an ensemble (expected Evaluation.OfMembers)"),
    };

    private static void DisposeAll(List<IDisposable> owned)
    {
        foreach (var d in owned) d.Dispose();
        owned.Clear();
    }

    // A sequence that refuses a second enumeration with a clear message instead of replaying from disposed state.
    private sealed class Once<T>(IEnumerable<T> source, string message) : IEnumerable<T>
    {
        private int _taken;

        public IEnumerator<T> GetEnumerator() =>
            Interlocked.Exchange(ref _taken, 1) == 0 ? source.GetEnumerator() : throw new InvalidOperationException(message);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
