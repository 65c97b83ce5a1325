using System.Collections.Immutable;

namespace Functional.Training.Optimizers;

/// <summary>
/// A learning rate: one scalar for every parameter, or one rate per ensemble member (for params stacked along a leading
/// member dimension, member k steps with rate k). Built valid or not at all: every rate is finite and ≥ 0 (torch.optim's
/// rule), and a per-member list is not empty. A double converts implicitly, so <c>new Sgd(Lr: 0.5)</c> reads as before.
/// Compares by value.
/// </summary>
public sealed record LearningRate
{
    private LearningRate(double? scalar, ImmutableArray<double> members)
    {
        Scalar = scalar;
        Members = members;
    }

    /// <summary>One rate for every parameter.</summary>
    public static LearningRate Of(double value) => new(Hyper.NonNegative(value, "learning rate"), []);

    /// <summary>One rate per ensemble member, in member order.</summary>
    public static LearningRate PerMember(IEnumerable<double> rates)
    {
        ImmutableArray<double> members = [.. rates];
        if (members.IsEmpty) throw new ArgumentException("Invalid learning rate: no member rates");
        foreach (var r in members) Hyper.NonNegative(r, "learning rate");
        return new(null, members);
    }

    /// <summary>A scalar rate.</summary>
    public static implicit operator LearningRate(double value) => Of(value);

    /// <summary>The rate of every parameter, or null when the rate is per member.</summary>
    public double? Scalar { get; }

    /// <summary>The per-member rates, or empty when the rate is a scalar.</summary>
    public ImmutableArray<double> Members { get; }

    /// <summary>Whether this is one rate per member.</summary>
    public bool IsPerMember => Scalar is null;

    /// <summary>Culture-invariant: <c>0.01</c>, or <c>[0.1, 0.5]</c> per member.</summary>
    public override string ToString() =>
        Scalar is { } s ? Hyper.Text(s) : $"[{string.Join(", ", Members.Select(Hyper.Text))}]";

    /// <inheritdoc/>
    public bool Equals(LearningRate? other) =>
        other is not null && Scalar == other.Scalar && Members.SequenceEqual(other.Members);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Scalar);
        foreach (var m in Members) h.Add(m);
        return h.ToHashCode();
    }
}
