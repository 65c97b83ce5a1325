using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>The state of a <see cref="Chain{A, B}"/>: each part's own state, typed.</summary>
public sealed record ChainState<A, B>(A First, B Second) : ITransformState where A : ITransformState where B : ITransformState
{
    /// <inheritdoc/>
    public IEnumerable<(string Name, Params Tree)> Trees => First.Trees.Concat(Second.Trees);

    /// <summary>Frees both parts.</summary>
    public void Dispose()
    {
        First.Dispose();
        Second.Dispose();
    }
}

/// <summary>
/// <see cref="First"/>, then <see cref="Second"/> on its output (optax's <c>chain</c>). Both see the same params and
/// step. The parts' state tensors share one checkpoint namespace, so a chain must not hold two transforms that name
/// their trees alike (two <see cref="Trace"/>s, say).
/// </summary>
public sealed record Chain<A, B>(Transform<A> First, Transform<B> Second) : Transform<ChainState<A, B>>
    where A : ITransformState where B : ITransformState
{
    /// <inheritdoc/>
    public override ChainState<A, B> Init(Params p) => new(First.Init(p), Second.Init(p));

    /// <inheritdoc/>
    public override (Updates Updates, ChainState<A, B> State) Update(Updates updates, ChainState<A, B> state, Params p, long step)
    {
        var (afterFirst, first) = First.Update(updates, state.First, p, step);
        var (afterSecond, second) = Second.Update(afterFirst, state.Second, p, step);
        return (afterSecond, new ChainState<A, B>(first, second));
    }

    /// <inheritdoc/>
    public override ChainState<A, B> Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors) =>
        new(First.Restore(p, tensors), Second.Restore(p, tensors));

    /// <inheritdoc/>
    public override string ToString() => $"{First} → {Second}";
}

/// <summary>Chains of transforms whose parts are chosen at run time.</summary>
public static class Chain
{
    /// <summary>
    /// The transforms in order, each applied to the output of the one before (nulls, for parts left out, skipped):
    /// <c>Of(a, b, c)</c> is <c>a.Then(b.Then(c))</c>. At least one transform is required.
    /// </summary>
    public static Transform Of(params Transform?[] transforms)
    {
        var parts = transforms.Where(t => t is not null).Select(t => t!).ToArray();
        if (parts.Length == 0) throw new ArgumentException("a chain needs at least one transform");
        return parts[..^1].Reverse().Aggregate(parts[^1], (rest, t) => t.Then(rest));
    }
}
