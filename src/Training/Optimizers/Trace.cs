using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Optimizers;

/// <summary>The state of <see cref="Trace"/>: the momentum buffer (torch.optim.SGD's <c>momentum_buffer</c>).</summary>
public sealed record TraceState(Params MomentumBuffer) : ITransformState
{
    /// <inheritdoc/>
    public IEnumerable<(string Name, Params Tree)> Trees => [("momentum_buffer", MomentumBuffer)];

    /// <summary>Frees the buffer.</summary>
    public void Dispose() => MomentumBuffer.Dispose();
}

/// <summary>
/// Momentum, with torch.optim.SGD's semantics (PyTorch 2.x): on the first step the buffer starts as a copy of the
/// update (no dampening), after that <c>b ← μ·b + (1 − dampening)·u</c>; the output is <c>u + μ·b</c> with Nesterov, else
/// <c>b</c>. Built valid or not at all: momentum finite and ≥ 0, dampening finite, Nesterov only with a positive
/// momentum and zero dampening.
/// </summary>
public sealed record Trace : Transform<TraceState>
{
    /// <summary>Momentum <paramref name="momentum"/> (μ), <paramref name="dampening"/> (default 0), plain or <paramref name="nesterov"/>.</summary>
    public Trace(double momentum, double dampening = 0, bool nesterov = false)
    {
        Momentum = Hyper.NonNegative(momentum, "momentum value");
        Dampening = Hyper.Finite(dampening, "dampening value");
        Hyper.Nesterov(nesterov, momentum, dampening);
        Nesterov = nesterov;
    }

    /// <summary>The momentum coefficient μ.</summary>
    public double Momentum { get; }
    /// <summary>The dampening of the update in the buffer.</summary>
    public double Dampening { get; }
    /// <summary>Whether the output looks ahead (Nesterov).</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override TraceState Init(Params p) => new(p.ZerosLike());

    /// <inheritdoc/>
    public override (Updates Updates, TraceState State) Update(Updates updates, TraceState state, Params p, long step)
    {
        var g = updates.Materialize().Direction;
        var buffer = step == 1 ? g.Clone() : state.MomentumBuffer.Moment(g, Momentum, 1 - Dampening);
        return (new Updates(Nesterov ? g.ScaledAdd(buffer, Momentum) : buffer), new TraceState(buffer));
    }

    /// <inheritdoc/>
    public override TraceState Restore(Params p, IReadOnlyDictionary<string, Tensor> tensors) =>
        new(StateTensors.Read(p, "momentum_buffer", tensors));

    /// <inheritdoc/>
    public override string ToString() =>
        $"trace(momentum={Hyper.Text(Momentum)}" + (Dampening != 0 ? $", dampening={Hyper.Text(Dampening)}" : "") + (Nesterov ? ", nesterov" : "") + ")";
}
