using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>
/// The state one gradient transformation carries between steps. Immutable; its tensors belong to whoever holds the state
/// (Dispose frees them). Each stateful transform has its own small state record (<see cref="TraceState"/>,
/// <see cref="ScaleByAdamState"/>); stateless ones use <see cref="EmptyState"/>.
/// </summary>
public interface ITransformState : IDisposable
{
    /// <summary>
    /// The state's tensors as named trees with the params' names, e.g. <c>("exp_avg", m)</c>: checkpoints store tensor
    /// <c>l1.weight</c> of that tree as <c>exp_avg.l1.weight</c>, the name torch.optim's state dict gives it.
    /// </summary>
    IEnumerable<(string Name, Params Tree)> Trees { get; }
}

/// <summary>The state of a stateless transform: no tensors.</summary>
public sealed record EmptyState : ITransformState
{
    private EmptyState() { }

    /// <summary>The one empty state.</summary>
    public static EmptyState Instance { get; } = new();

    /// <inheritdoc/>
    public IEnumerable<(string Name, Params Tree)> Trees => [];

    /// <summary>Nothing to free.</summary>
    public void Dispose() { }
}

/// <summary>Naming and reading the tensors of transform states, as torch.optim names them (<c>&lt;buffer&gt;.&lt;param&gt;</c>).</summary>
public static class StateTensors
{
    /// <summary>Every tensor of <paramref name="state"/> by its checkpoint name, e.g. <c>momentum_buffer.l1.weight</c>.</summary>
    public static IEnumerable<(string Name, Tensor Value)> Named(ITransformState state) =>
        state.Trees.SelectMany(t => t.Tree.Items.Select(i => ($"{t.Name}.{i.Name}", i.Value)));

    /// <summary>
    /// The tree <paramref name="name"/> for params <paramref name="like"/> out of checkpointed <paramref name="tensors"/>
    /// (taken over, not copied). A missing tensor, or one whose shape or dtype differs from its param's, throws
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public static Params Read(Params like, string name, IReadOnlyDictionary<string, Tensor> tensors) =>
        new(like.Names, like.Items.Select(p =>
        {
            var key = $"{name}.{p.Name}";
            if (!tensors.TryGetValue(key, out var t)) throw new InvalidDataException($"optimizer state lacks '{key}'");
            if (!t.shape.SequenceEqual(p.Value.shape) || t.dtype != p.Value.dtype)
                throw new InvalidDataException($"optimizer state '{key}' is {t.dtype} [{string.Join(", ", t.shape)}], "
                                               + $"its parameter {p.Value.dtype} [{string.Join(", ", p.Value.shape)}]");
            return t;
        }));
}
