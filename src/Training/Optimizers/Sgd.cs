using System.Text.Json.Nodes;

namespace Functional.Training.Optimizers;

/// <summary>
/// Stochastic gradient descent with torch.optim.SGD's semantics and arithmetic (PyTorch 2.x): the chain
/// <see cref="AddDecayedWeights"/> (when weight decay ≠ 0) → <see cref="Trace"/> (when momentum ≠ 0) →
/// <see cref="ScaleByLearningRate"/>, i.e. g ← g + wd·p; b ← g on the first step, else μ·b + (1 − dampening)·g;
/// g ← g + μ·b (Nesterov) or b; p ← p − lr·g, applied as <c>p.add(g, alpha: −lr)</c>.
/// Defaults as PyTorch: momentum 0, dampening 0, no Nesterov, no weight decay; the learning rate is required.
/// </summary>
/// <remarks>
/// Built valid or not at all, with torch.optim's rules: lr ≥ 0, momentum ≥ 0, weight decay ≥ 0, Nesterov only with a
/// positive momentum and zero dampening, and every number finite. The properties are read-only: <see cref="With"/> makes
/// a changed copy through the same checks. A per-member learning rate (<see cref="LearningRate.PerMember"/>) steps each
/// member of stacked ensemble params with its own rate (<c>p.addcmul(g, rates, value: −1)</c>).
/// </remarks>
public sealed record Sgd : Optimizer
{
    internal const string Kind = "sgd";

    /// <summary>SGD with learning rate <paramref name="Lr"/> (a number, or <see cref="LearningRate.PerMember"/>) and torch.optim.SGD's options.</summary>
    public Sgd(LearningRate Lr, double Momentum = 0, double Dampening = 0, bool Nesterov = false, double WeightDecay = 0)
    {
        this.Lr = Lr ?? throw new ArgumentNullException(nameof(Lr));
        this.Momentum = Hyper.NonNegative(Momentum, "momentum value");
        this.WeightDecay = Hyper.NonNegative(WeightDecay, "weight_decay value");
        Hyper.Nesterov(Nesterov, Momentum, Dampening);
        this.Dampening = Hyper.Finite(Dampening, "dampening value");
        this.Nesterov = Nesterov;
        Transform = Chain.Of(
            WeightDecay != 0 ? new AddDecayedWeights(WeightDecay) : null,
            Momentum != 0 ? new Trace(Momentum, Dampening, Nesterov) : null,
            new ScaleByLearningRate(Lr));
    }

    /// <summary>The learning rate: a scalar, or one per ensemble member.</summary>
    public LearningRate Lr { get; }
    /// <summary>Momentum factor μ (0: none).</summary>
    public double Momentum { get; }
    /// <summary>Dampening of the gradient in the momentum buffer.</summary>
    public double Dampening { get; }
    /// <summary>Whether momentum is Nesterov's.</summary>
    public bool Nesterov { get; }
    /// <summary>L2 weight decay added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    public override Transform Transform { get; }

    /// <summary>
    /// A copy with the given hyper-parameters replaced and the rest kept, validated like the constructor. Named arguments
    /// make it the <c>with</c> of languages without C#'s (F#: <c>sgd.With(momentum = 0.9)</c>).
    /// </summary>
    public Sgd With(LearningRate? lr = null, double? momentum = null, double? dampening = null, bool? nesterov = null, double? weightDecay = null) =>
        new(lr ?? Lr, momentum ?? Momentum, dampening ?? Dampening, nesterov ?? Nesterov, weightDecay ?? WeightDecay);

    /// <summary>Culture-invariant, hyper-parameters at their defaults left out: <c>sgd(lr=0.1, momentum=0.9, nesterov)</c>.</summary>
    public override string ToString() =>
        $"sgd(lr={Lr}" + (Momentum != 0 ? $", momentum={Hyper.Text(Momentum)}" : "") + (Dampening != 0 ? $", dampening={Hyper.Text(Dampening)}" : "")
        + (Nesterov ? ", nesterov" : "") + (WeightDecay != 0 ? $", weight_decay={Hyper.Text(WeightDecay)}" : "") + ")";

    private protected override JsonObject Data() => new()
    {
        ["kind"] = Kind,
        ["lr"] = RateData(Lr),
        ["momentum"] = Momentum,
        ["dampening"] = Dampening,
        ["nesterov"] = Nesterov,
        ["weight_decay"] = WeightDecay,
    };

    internal static Sgd FromData(JsonObject o)
    {
        RequireKeys(o, "kind", "lr", "momentum", "dampening", "nesterov", "weight_decay");
        return new(ReadRate(Field(o, "lr")), Field(o, "momentum").GetValue<double>(), Field(o, "dampening").GetValue<double>(),
            Field(o, "nesterov").GetValue<bool>(), Field(o, "weight_decay").GetValue<double>());
    }
}
