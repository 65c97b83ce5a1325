using System.Text.Json.Nodes;

namespace Functional.Training.Optimizers;

/// <summary>
/// Adam with torch.optim.Adam's semantics and arithmetic (PyTorch 2.x, L2 weight decay added to the gradient): the chain
/// <see cref="AddDecayedWeights"/> (when weight decay ≠ 0) → <see cref="ScaleByAdam"/> → <see cref="ScaleByLearningRate"/>,
/// i.e. m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; (AMSGrad: v̂ ← max(v̂, v)); denom = √v / √(1−β₂ᵗ) + ε;
/// p ← p − (lr / (1−β₁ᵗ))·m / denom, applied as <c>p.addcdiv(m, denom, value: −(lr / (1−β₁ᵗ)))</c>.
/// Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, no AMSGrad.
/// </summary>
/// <remarks>
/// Built valid or not at all, with torch.optim's rules: lr ≥ 0, eps ≥ 0, betas in [0, 1), weight decay ≥ 0, and every
/// number finite. The properties are read-only: <see cref="With"/> makes a changed copy through the same checks. A
/// per-member learning rate (<see cref="LearningRate.PerMember"/>) steps each member of stacked ensemble params with its
/// own rate (<c>p.addcdiv(m.mul(rates), denom, value: −1 / (1−β₁ᵗ))</c>). The order of operations matters: chaotic fits
/// amplify last-bit differences, so it follows torch.optim exactly.
/// </remarks>
public sealed record Adam : Optimizer
{
    internal const string Kind = "adam";

    /// <summary>Adam with learning rate <paramref name="Lr"/> (default 1e-3; a number, or <see cref="LearningRate.PerMember"/>) and torch.optim.Adam's options.</summary>
    public Adam(LearningRate? Lr = null, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0, bool Amsgrad = false)
    {
        this.Lr = Lr ?? LearningRate.Of(1e-3);
        this.Eps = Hyper.NonNegative(Eps, "epsilon value");
        this.Beta1 = Hyper.Beta(Beta1, 0);
        this.Beta2 = Hyper.Beta(Beta2, 1);
        this.WeightDecay = Hyper.NonNegative(WeightDecay, "weight_decay value");
        this.Amsgrad = Amsgrad;
        Transform = Chain.Of(
            WeightDecay != 0 ? new AddDecayedWeights(WeightDecay) : null,
            new ScaleByAdam(Beta1, Beta2, Eps, Amsgrad),
            new ScaleByLearningRate(this.Lr));
    }

    /// <summary>The learning rate: a scalar, or one per ensemble member.</summary>
    public LearningRate Lr { get; }
    /// <summary>Decay of the first moment estimate.</summary>
    public double Beta1 { get; }
    /// <summary>Decay of the second moment estimate.</summary>
    public double Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }
    /// <summary>L2 weight decay added to the gradient.</summary>
    public double WeightDecay { get; }
    /// <summary>Whether the AMSGrad variant is used.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public override Transform Transform { get; }

    /// <summary>
    /// A copy with the given hyper-parameters replaced and the rest kept, validated like the constructor. Named arguments
    /// make it the <c>with</c> of languages without C#'s (F#: <c>adam.With(amsgrad = true)</c>).
    /// </summary>
    public Adam With(LearningRate? lr = null, double? beta1 = null, double? beta2 = null, double? eps = null, double? weightDecay = null, bool? amsgrad = null) =>
        new(lr ?? Lr, beta1 ?? Beta1, beta2 ?? Beta2, eps ?? Eps, weightDecay ?? WeightDecay, amsgrad ?? Amsgrad);

    /// <summary>Culture-invariant, hyper-parameters at their defaults left out: <c>adam(lr=0.01, weight_decay=0.001)</c>.</summary>
    public override string ToString() =>
        $"adam(lr={Lr}" + (Beta1 != 0.9 || Beta2 != 0.999 ? $", betas=({Hyper.Text(Beta1)}, {Hyper.Text(Beta2)})" : "") + (Eps != 1e-8 ? $", eps={Hyper.Text(Eps)}" : "")
        + (WeightDecay != 0 ? $", weight_decay={Hyper.Text(WeightDecay)}" : "") + (Amsgrad ? ", amsgrad" : "") + ")";

    private protected override JsonObject Data() => new()
    {
        ["kind"] = Kind,
        ["lr"] = RateData(Lr),
        ["betas"] = new JsonArray(Beta1, Beta2),
        ["eps"] = Eps,
        ["weight_decay"] = WeightDecay,
        ["amsgrad"] = Amsgrad,
    };

    internal static Adam FromData(JsonObject o)
    {
        RequireKeys(o, "kind", "lr", "betas", "eps", "weight_decay", "amsgrad");
        var betas = Field(o, "betas").AsArray();
        if (betas.Count != 2) throw new InvalidDataException($"'betas' holds {betas.Count} values, not 2");
        double Beta(int i) => (betas[i] ?? throw new InvalidDataException($"a null beta at index {i}")).GetValue<double>();
        return new(ReadRate(Field(o, "lr")), Beta(0), Beta(1), Field(o, "eps").GetValue<double>(),
            Field(o, "weight_decay").GetValue<double>(), Field(o, "amsgrad").GetValue<bool>());
    }
}
