using Functional.Model;

namespace Functional.Training;

/// <summary>
/// Where a run stands: the epoch (from 1) and the next batch index within it, with the training losses summed so far in
/// that epoch — <see cref="EpochLossSum"/> for one model, <see cref="MemberLossSums"/> (one sum per member) for an ensemble.
/// </summary>
public sealed record Position(int Epoch, int Batch, double EpochLossSum = 0)
{
    /// <summary>The start of a run.</summary>
    public static Position Start { get; } = new(1, 0);

    /// <summary>An ensemble's per-member sums of the epoch's step losses so far; null for a single model (and at an epoch's start).</summary>
    public IReadOnlyList<double>? MemberLossSums { get; init; }

    /// <summary>Value equality, the member sums compared element by element.</summary>
    public bool Equals(Position? other) =>
        other is not null && Epoch == other.Epoch && Batch == other.Batch && EpochLossSum.Equals(other.EpochLossSum)
        && Values.Equal(MemberLossSums, other.MemberLossSums);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Epoch, Batch, EpochLossSum, Values.Hash(MemberLossSums));
}

/// <summary>
/// Why a run stopped: a closed set (<see cref="Completed"/>, <see cref="Cancelled"/>, <see cref="Diverged"/>), matched
/// with <c>is</c>/<c>switch</c> in C#; in F#, the face in src/FSharp gives it as a union.
/// </summary>
public abstract record StopReason
{
    private StopReason() { }

    /// <summary>All epochs ran.</summary>
    public sealed record Completed : StopReason;

    /// <summary>Cancellation was requested; the run stopped after the current step.</summary>
    public sealed record Cancelled : StopReason;

    /// <summary>A single model's loss was NaN or infinite (ensembles never stop for one member's loss).</summary>
    /// <param name="LastFiniteLoss">The last finite step loss before it, or null when the first step already diverged.</param>
    public sealed record Diverged(double? LastFiniteLoss) : StopReason;
}

/// <summary>
/// What a training run yields, as data: the shell renders these, tests compare them, <c>--log</c> writes them. The set is
/// closed (<see cref="StepEvent"/>, <see cref="EpochEvent"/>, <see cref="MemberEpochEvent"/>, <see cref="EpochEnd"/>,
/// <see cref="Finished"/>); see <see cref="Loop.Run"/> for their order and who owns the states they carry. F#'s face
/// (src/FSharp) maps them to one union, and a test there fails when a type is added here that it does not map.
/// </summary>
public abstract record TrainEvent
{
    private protected TrainEvent() { }
}

/// <summary>
/// One optimizer step: epoch from 1, batch from 0 within the epoch, and the loss before the update. For an ensemble,
/// <see cref="MemberLosses"/> holds each member's loss and <see cref="Loss"/> their mean.
/// </summary>
public sealed record StepEvent(int Epoch, int Batch, double Loss) : TrainEvent
{
    /// <summary>Each member's loss before the update (an ensemble step); null for a single model.</summary>
    public IReadOnlyList<double>? MemberLosses { get; init; }

    /// <summary>Value equality, the member losses compared element by element.</summary>
    public bool Equals(StepEvent? other) =>
        other is not null && Epoch == other.Epoch && Batch == other.Batch && Loss.Equals(other.Loss) && Values.Equal(MemberLosses, other.MemberLosses);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Epoch, Batch, Loss, Values.Hash(MemberLosses));
}

/// <summary>One finished epoch of a single model: mean training loss over its steps, and validation loss / accuracy where the exercise has them.</summary>
public sealed record EpochEvent(int Epoch, double Loss, double? ValLoss = null, double? Accuracy = null) : TrainEvent;

/// <summary>
/// One finished epoch of an ensemble, one value per member: the mean training loss over the epoch's steps (non-finite
/// once that member diverged), and the validation loss / accuracy where the run evaluates them.
/// </summary>
public sealed record MemberEpochEvent(int Epoch, IReadOnlyList<double> Loss, IReadOnlyList<double>? ValLoss = null, IReadOnlyList<double>? Accuracy = null) : TrainEvent
{
    /// <summary>Value equality, the arrays compared element by element.</summary>
    public bool Equals(MemberEpochEvent? other) =>
        other is not null && Epoch == other.Epoch && Values.Equal(Loss, other.Loss) && Values.Equal(ValLoss, other.ValLoss) && Values.Equal(Accuracy, other.Accuracy);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Epoch, Values.Hash(Loss), Values.Hash(ValLoss), Values.Hash(Accuracy));
}

/// <summary>
/// The state at the end of an epoch, for checkpoints. It still belongs to the run: valid only until the next event is
/// requested (<see cref="TrainStateExtensions.Clone"/> it to keep it). <see cref="Next"/> is where a resumed run would continue.
/// </summary>
public sealed record EpochEnd(TrainState State, Position Next) : TrainEvent;

/// <summary>
/// The last event of every run. Ownership of <see cref="State"/> passes to the consumer, who must dispose it.
/// <see cref="Next"/> is where a resumed run would continue; <see cref="Reason"/> says why the run stopped.
/// </summary>
public sealed record Finished(TrainState State, Position Next, StopReason Reason) : TrainEvent;

/// <summary>
/// The data of one epoch: <see cref="Count"/> batches and the Rng after drawing the epoch (unchanged when nothing random
/// was drawn). Everything random is drawn when the epoch is made; <see cref="Gather"/> then gives batch i and draws
/// nothing. Two forms: <b>eager</b> (the constructor: a list of batches made up front, e.g. the full batch or fixed
/// batches) and <b>lazy</b> (<see cref="Lazy"/>: each batch gathered when it is asked for, as iterating a PyTorch
/// <c>DataLoader</c> does, so a training loop holds one batch at a time instead of the whole epoch's).
/// </summary>
public sealed record EpochData
{
    private readonly IReadOnlyList<Batch>? _batches;
    private readonly Func<int, Batch>? _gather;

    /// <summary>An eager epoch: these batches, in this order; they stay whoever made them's (see <see cref="RunPlan.Data"/>).</summary>
    public EpochData(IReadOnlyList<Batch> batches, Rng rng)
    {
        _batches = batches;
        Count = batches.Count;
        Rng = rng;
    }

    private EpochData(int count, Func<int, Batch> gather, Rng rng)
    {
        if (count < 0) throw new ArgumentException($"an epoch's batch count cannot be negative, got {count}");
        _gather = gather;
        Count = count;
        Rng = rng;
    }

    /// <summary>
    /// A lazy epoch of <paramref name="count"/> batches: <paramref name="gather"/> makes batch i (0 ≤ i &lt; count) when it
    /// is asked for, as new tensors owned by the caller of <see cref="Gather"/>. It must be pure and draw nothing, so
    /// batch i is the same whenever and however often it is gathered. Tensors it captures (e.g. the drawn sample order)
    /// belong to whoever made the epoch and must outlive its gathering.
    /// </summary>
    public static EpochData Lazy(int count, Func<int, Batch> gather, Rng rng) => new(count, gather, rng);

    /// <summary>The number of batches (steps) of the epoch.</summary>
    public int Count { get; }

    /// <summary>The Rng after drawing the epoch.</summary>
    public Rng Rng { get; init; }

    /// <summary>True for an epoch made by <see cref="Lazy"/>: <see cref="Gather"/> makes new tensors each time.</summary>
    public bool IsLazy => _gather is not null;

    /// <summary>
    /// Batch <paramref name="index"/>: an eager epoch's stored batch (still its maker's), or a lazy epoch's batch gathered
    /// now (new tensors: the caller owns them; the training loop frees them right after the batch's step).
    /// </summary>
    public Batch Gather(int index)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the epoch has {Count} batches");
        return _batches is not null ? _batches[index] : _gather!(index);
    }

    /// <summary>
    /// Every batch, in order: an eager epoch's list itself, or a lazy epoch's batches all gathered now (new tensors the
    /// caller owns), e.g. for a benchmark that reuses one epoch's batches or a test that inspects them.
    /// </summary>
    public IReadOnlyList<Batch> GatherAll() => _batches ?? [.. Enumerable.Range(0, Count).Select(_gather!)];

    /// <summary>
    /// This epoch with every batch's inputs passed through <paramref name="transform"/> as the batch is gathered, as a
    /// data set's transform (torchvision's <c>ToTensor()</c>) makes a sample's inputs when the loader asks for it. The
    /// result is lazy and draws nothing: batch i is <c>(transform(inputs i), targets i)</c> as new tensors the caller
    /// of <see cref="Gather"/> owns. <paramref name="transform"/> must make new tensors and leave its argument alone;
    /// a lazy epoch's untransformed inputs are freed at once, an eager epoch's batches stay their maker's.
    /// </summary>
    public EpochData MapInputs(Func<Tensor, Tensor> transform)
    {
        var lazy = IsLazy;
        return new(Count, i =>
        {
            var raw = Gather(i);
            if (!lazy) return new Batch(transform(raw.Inputs), raw.Targets.alias());
            try
            {
                return raw with { Inputs = transform(raw.Inputs) };
            }
            catch
            {
                raw.Targets.Dispose();
                throw;
            }
            finally
            {
                raw.Inputs.Dispose();
            }
        }, Rng);
    }
}

/// <summary>
/// A held-out evaluation, a closed set: <see cref="OfModel"/> for one model, <see cref="OfMembers"/> for an ensemble.
/// </summary>
public abstract record Evaluation
{
    private Evaluation() { }

    /// <summary>One model's loss and/or accuracy (either may be absent).</summary>
    public sealed record OfModel(double? Loss, double? Accuracy) : Evaluation;

    /// <summary>An ensemble's loss and/or accuracy, one value per member (either may be absent).</summary>
    public sealed record OfMembers(IReadOnlyList<double>? Loss, IReadOnlyList<double>? Accuracy) : Evaluation
    {
        /// <summary>Value equality, the arrays compared element by element.</summary>
        public bool Equals(OfMembers? other) => other is not null && Values.Equal(Loss, other.Loss) && Values.Equal(Accuracy, other.Accuracy);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Values.Hash(Loss), Values.Hash(Accuracy));
    }
}

// Element-wise equality for the read-only number lists inside records (a record's own equality compares references).
internal static class Values
{
    public static bool Equal(IReadOnlyList<double>? a, IReadOnlyList<double>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));

    public static int Hash(IReadOnlyList<double>? a)
    {
        if (a is null) return 0;
        var h = new HashCode();
        foreach (var x in a) h.Add(x);
        return h.ToHashCode();
    }
}
