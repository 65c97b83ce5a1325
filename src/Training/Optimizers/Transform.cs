using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// A gradient transformation whose state type is not known statically: what an optimizer built at run time from
/// optional parts holds (<see cref="Sgd"/> chains a <see cref="Trace"/> only when it has momentum). Every transform is a
/// <see cref="Transform{S}"/>; this base only starts, resumes and chains them without naming <c>S</c>.
/// </summary>
public abstract record Transform
{
    private protected Transform() { }

    /// <summary>A fresh optimizer state for <paramref name="p"/>: this transform and its <c>Init</c> state.</summary>
    public abstract OptimizerState Start(Params p);

    /// <summary>An optimizer state rebuilt from checkpointed tensors (taken over): this transform and its <c>Restore</c> state.</summary>
    public abstract OptimizerState Resume(Params p, IReadOnlyDictionary<string, Tensor> tensors);

    /// <summary>This transform, then <paramref name="next"/> on its output: a <see cref="Chain{A, B}"/> with both states typed.</summary>
    public abstract Transform Then(Transform next);

    // Double dispatch: Then(next) on an untyped next asks next to chain itself after a typed first, so the Chain's two
    // state types are both known where it is built and no state is ever cast.
    internal abstract Transform After<TFirst>(Transform<TFirst> first) where TFirst : ITransformState;
}

/// <summary>
/// A gradient transformation, as in optax: a pair of pure functions over a typed state. <see cref="Init"/> builds the
/// state for some params; <see cref="Update"/> maps (updates, state, params, step) to new updates and a new state. Nothing
/// is changed in place: every tensor of the returned state is new (never an input returned as is), so the owner of the
/// old state can dispose it. Updates flow through a chain lazily (<see cref="Updates"/>) and are applied to the params
/// once, at the end, in torch.optim's order.
/// </summary>
/// <typeparam name="S">The transform's own state record.</typeparam>
public abstract record Transform<S> : Transform where S : ITransformState
{
    /// <summary>For transforms defined outside this library.</summary>
    protected Transform() { }

    /// <summary>The state before the first update, for params shaped like <paramref name="p"/>.</summary>
    public abstract S Init(Params p);

    /// <summary>
    /// One step: transforms <paramref name="updates"/> (the gradients, for the first transform of a chain) given the
    /// current <paramref name="state"/> and params <paramref name="p"/>. <paramref name="step"/> is the number of this
    /// update, 1 on the first (the run's one step counter, owned by <see cref="TrainState"/>).
    /// </summary>
    public abstract (Updates Updates, S State) Update(Updates updates, S state, Params p, long step);

    /// <summary>Rebuilds a state from checkpointed tensors named as its <see cref="ITransformState.Trees"/> (taken over, not copied).</summary>
    public abstract S Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors);

    /// <inheritdoc/>
    public sealed override OptimizerState<S> Start(Params p) => new(this, Init(p));

    /// <inheritdoc/>
    public sealed override OptimizerState<S> Resume(Params p, IReadOnlyDictionary<string, Tensor> tensors) => new(this, Restore(p, tensors));

    /// <summary>This transform, then <paramref name="next"/>, with both states typed.</summary>
    public Chain<S, TNext> Then<TNext>(Transform<TNext> next) where TNext : ITransformState => new(this, next);

    /// <inheritdoc/>
    public sealed override Transform Then(Transform next) => next.After(this);

    internal sealed override Transform After<TFirst>(Transform<TFirst> first) => new Chain<TFirst, S>(first, this);
}
