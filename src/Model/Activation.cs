using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>
/// An element-wise (or, for <see cref="LogSoftmax"/>, row-wise) activation: a closed set of pure functions on tensors.
/// Each case is an immutable record, so specs that use them compare by value.
/// </summary>
public abstract record Activation
{
    private Activation() { }

    /// <summary>Applies the activation to <paramref name="x"/>, returning a new tensor; <paramref name="x"/> is not changed.</summary>
    public abstract Tensor Apply(Tensor x);

    /// <summary>The name used on the command line and in logs (lower case, e.g. <c>relu</c>).</summary>
    public abstract string Name { get; }

    /// <summary>max(0, x).</summary>
    public sealed record Relu : Activation
    {
        /// <inheritdoc/>
        public override Tensor Apply(Tensor x) => nn.functional.relu(x);
        /// <inheritdoc/>
        public override string Name => "relu";
    }

    /// <summary>1 / (1 + e^-x).</summary>
    public sealed record Sigmoid : Activation
    {
        /// <inheritdoc/>
        public override Tensor Apply(Tensor x) => x.sigmoid();
        /// <inheritdoc/>
        public override string Name => "sigmoid";
    }

    /// <summary>Hyperbolic tangent.</summary>
    public sealed record Tanh : Activation
    {
        /// <inheritdoc/>
        public override Tensor Apply(Tensor x) => x.tanh();
        /// <inheritdoc/>
        public override string Name => "tanh";
    }

    /// <summary>x for x &gt; 0, Alpha·(e^x − 1) otherwise; PyTorch's default Alpha is 1.</summary>
    public sealed record Elu(double Alpha = 1.0) : Activation
    {
        /// <inheritdoc/>
        public override Tensor Apply(Tensor x) => nn.functional.elu(x, Alpha);
        /// <inheritdoc/>
        public override string Name => "elu";
    }

    /// <summary>The identity: returns an alias of its input (a new handle on the same storage).</summary>
    public sealed record Identity : Activation
    {
        /// <inheritdoc/>
        public override Tensor Apply(Tensor x) => x.alias();
        /// <inheritdoc/>
        public override string Name => "identity";
    }

    /// <summary>log(softmax(x)) along the last dimension (the class dimension of a batch of logits).</summary>
    public sealed record LogSoftmax : Activation
    {
        /// <inheritdoc/>
        public override Tensor Apply(Tensor x) => nn.functional.log_softmax(x, -1);
        /// <inheritdoc/>
        public override string Name => "logsoftmax";
    }

    /// <summary>The names <see cref="Parse"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["relu", "sigmoid", "tanh", "elu", "identity", "logsoftmax"];

    /// <summary>Parses a name from <see cref="Names"/> (case-insensitive); an unknown name throws <see cref="ArgumentException"/>.</summary>
    public static Activation Parse(string name) => name.ToLowerInvariant() switch
    {
        "relu" => new Relu(),
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "elu" => new Elu(),
        "identity" or "none" => new Identity(),
        "logsoftmax" => new LogSoftmax(),
        _ => throw new ArgumentException($"unknown activation '{name}' (expected one of: {string.Join(", ", Names)})"),
    };
}
