using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>The state an optimizer carries between steps. Immutable; its tensors are owned by whoever owns the state.</summary>
public abstract record OptimizerState : IDisposable
{
    /// <summary>Number of updates applied so far.</summary>
    public long Step { get; init; }

    /// <summary>Every tensor the state holds, by name (e.g. <c>exp_avg.l1.weight</c>), for checkpoints and lifetime management.</summary>
    public abstract IEnumerable<(string Name, Tensor Value)> Tensors { get; }

    // The tensors of Tensors without building their names: the training step moves and frees them every step.
    internal virtual IEnumerable<Tensor> TensorValues => Tensors.Select(t => t.Value);

    /// <summary>Frees every tensor of the state.</summary>
    public void Dispose()
    {
        foreach (var t in TensorValues) t.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>New parameters and optimizer state produced by one update.</summary>
public sealed record Updated(Params Params, OptimizerState State);

/// <summary>
/// An optimizer as a pair of pure functions, as in optax: <see cref="Init"/> builds the state for some params, and
/// <see cref="Update"/> maps (state, params, grads) to new params and a new state with torch.optim's exact arithmetic.
/// Nothing is changed in place; the returned tensors are all new.
/// </summary>
public abstract record Optimizer
{
    /// <summary>The state before the first update.</summary>
    public abstract OptimizerState Init(Params p);

    /// <summary>One update step. <paramref name="state"/> must come from this optimizer's <see cref="Init"/> or <see cref="Update"/>.</summary>
    public abstract Updated Update(OptimizerState state, Params p, Params grads);

    /// <summary>A short description with the hyper-parameters, e.g. <c>sgd(lr=0.1)</c>.</summary>
    public abstract string Describe();

    /// <summary>Rebuilds a state from checkpointed tensors (names as in <see cref="OptimizerState.Tensors"/>) and step count.</summary>
    public abstract OptimizerState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors, long step);

    private protected static Tensor ZerosLike(Tensor t) => zeros_like(t);

    // Descriptions go into checkpoints and are compared on resume: never the ambient culture's "0,1".
    private protected static string Invariant(double x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Per-member learning rates shaped [K, 1, …] to broadcast over a stacked parameter [K, …], in its dtype.
    private protected static Tensor MemberRates(IReadOnlyList<double> rates, Tensor like)
    {
        if (like.dim() < 1 || like.shape[0] != rates.Count)
            throw new ArgumentException($"{rates.Count} member learning rates for a parameter of shape [{string.Join(", ", like.shape)}]");
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = rates.Count;
        return tensor(rates.ToArray(), dtype: like.dtype).view(shape);
    }

    private protected static void ValidateMemberLr(IReadOnlyList<double>? rates)
    {
        if (rates is null) return;
        if (rates.Count == 0) throw new ArgumentException("member learning rates must not be empty");
        foreach (var r in rates)
            if (!(r >= 0) || double.IsInfinity(r)) throw new ArgumentException($"invalid learning rate {r}");
    }

    private protected static Params Prefixed(Params p, string prefix, IReadOnlyDictionary<string, Tensor> tensors) =>
        new(p.Names, p.Names.Select(n => tensors.TryGetValue($"{prefix}.{n}", out var t)
            ? t
            : throw new InvalidDataException($"optimizer state lacks '{prefix}.{n}'")));

}
