using System.Text.Json;
using System.Text.Json.Nodes;
using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>New parameters and optimizer state produced by one update.</summary>
public sealed record Updated(Params Params, OptimizerState State);

/// <summary>
/// The optimizer state a <see cref="TrainState"/> holds: a transform's typed state together with that transform, so
/// the next update needs no cast and no lookup (an existential: the state type is hidden, not erased). Immutable; its
/// tensors belong to whoever holds the state, who disposes it once it is replaced.
/// </summary>
public abstract class OptimizerState : IDisposable
{
    private protected OptimizerState() { }

    /// <summary>Every tensor of the state by its checkpoint name (torch.optim's: <c>exp_avg.l1.weight</c>, <c>momentum_buffer.l1.weight</c>, …).</summary>
    public abstract IEnumerable<(string Name, Tensor Value)> Tensors { get; }

    // The tensors of Tensors without building their names: the training step moves and frees them every step.
    internal abstract IEnumerable<Tensor> TensorValues { get; }

    /// <summary>
    /// One update: the transform turns <paramref name="grads"/> into updates, which are applied to <paramref name="p"/> in
    /// torch.optim's order. <paramref name="step"/> is the number of this update, 1 on the first (the train state's
    /// step + 1). Pure: the inputs are not changed, and the returned params and state are new tensors.
    /// </summary>
    public abstract Updated Update(Params p, Params grads, long step);

    /// <summary>
    /// A deep copy the caller owns: the same transform, new tensors with the same values. <paramref name="like"/> gives the
    /// parameter names and shapes the state's trees follow (the params it was made for).
    /// </summary>
    public abstract OptimizerState Clone(Params like);

    /// <summary>Frees every tensor of the state.</summary>
    public abstract void Dispose();
}

/// <summary>An optimizer state whose type is known: the transform <see cref="Transform"/> and its state <see cref="State"/>.</summary>
public sealed class OptimizerState<S> : OptimizerState where S : ITransformState
{
    /// <summary>Pairs <paramref name="state"/> (taken over) with the transform it belongs to.</summary>
    public OptimizerState(Transform<S> transform, S state)
    {
        Transform = transform;
        State = state;
    }

    /// <summary>The transform that updates <see cref="State"/>.</summary>
    public Transform<S> Transform { get; }

    /// <summary>The transform's state.</summary>
    public S State { get; }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Tensor Value)> Tensors => StateTensors.Named(State);

    internal override IEnumerable<Tensor> TensorValues => State.Trees.SelectMany(t => t.Tree.Values);

    /// <inheritdoc/>
    public override Updated Update(Params p, Params grads, long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "the first update is step 1");
        var (updates, next) = Transform.Update(new Updates(grads), State, p, step);
        return new Updated(updates.ApplyTo(p), new OptimizerState<S>(Transform, next));
    }

    /// <inheritdoc/>
    public override OptimizerState Clone(Params like) =>
        new OptimizerState<S>(Transform, Transform.Restore(like, Tensors.ToDictionary(t => t.Name, t =>
        {
            using var detached = t.Value.detach(); // the intermediate view is freed here, not left to the finalizer
            return detached.clone();
        })));

    /// <inheritdoc/>
    public override void Dispose() => State.Dispose();
}

/// <summary>
/// A named optimizer: a chain of gradient transforms (<see cref="Transform"/>) built from validated hyper-parameters, as
/// optax's aliases are. <see cref="Sgd"/> and <see cref="Adam"/> are the two; an invalid one cannot be built. Compares
/// by value, and round-trips through <see cref="ToJson"/> / <see cref="FromJson"/> (how checkpoints store it).
/// </summary>
public abstract record Optimizer
{
    private protected Optimizer() { }

    /// <summary>The composition this optimizer is, e.g. add_decayed_weights → trace → scale_by_learning_rate for SGD.</summary>
    public abstract Transform Transform { get; }

    /// <summary>The state before the first update, for params shaped like <paramref name="p"/>.</summary>
    public OptimizerState Init(Params p) => Transform.Start(p);

    /// <summary>Rebuilds a state from checkpointed tensors (names as in <see cref="OptimizerState.Tensors"/>; taken over, not copied).</summary>
    public OptimizerState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors) => Transform.Resume(p, tensors);

    /// <summary>
    /// The optimizer as data, compact JSON with a fixed key order: its kind and every hyper-parameter, e.g.
    /// <c>{"kind":"adam","lr":0.001,"betas":[0.9,0.999],"eps":1E-08,"weight_decay":0,"amsgrad":false}</c>; a per-member
    /// learning rate is an array.
    /// </summary>
    public string ToJson() => Data().ToJsonString();

    /// <summary>
    /// Rebuilds an optimizer from <see cref="ToJson"/>'s form, through its validating constructor. Malformed JSON, an
    /// unknown kind, a missing or unknown key, or an invalid value throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static Optimizer FromJson(string json)
    {
        try
        {
            var o = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("null");
            var kind = Field(o, "kind").GetValue<string>();
            return kind switch
            {
                Sgd.Kind => Sgd.FromData(o),
                Adam.Kind => Adam.FromData(o),
                _ => throw new InvalidDataException($"unknown kind '{kind}'"),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"not a valid optimizer ({e.Message})");
        }
    }

    private protected abstract JsonObject Data();

    // The value of a required key of an object that must hold exactly the keys given.
    private protected static JsonNode Field(JsonObject o, string key) =>
        o[key] ?? throw new InvalidDataException($"no '{key}'");

    private protected static void RequireKeys(JsonObject o, params string[] keys)
    {
        foreach (var key in keys) Field(o, key);
        if (o.Select(p => p.Key).FirstOrDefault(k => !keys.Contains(k)) is { } unknown)
            throw new InvalidDataException($"unknown key '{unknown}'");
    }

    private protected static JsonNode RateData(LearningRate lr) =>
        lr.Scalar is { } s ? JsonValue.Create(s) : new JsonArray([.. lr.Members.Select(m => (JsonNode)JsonValue.Create(m))]);

    private protected static LearningRate ReadRate(JsonNode node) =>
        node.GetValueKind() == JsonValueKind.Array
            ? LearningRate.PerMember(node.AsArray().Select(m => (m ?? throw new InvalidDataException("a null learning rate")).GetValue<double>()))
            : LearningRate.Of(node.GetValue<double>());
}
