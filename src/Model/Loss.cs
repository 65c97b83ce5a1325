using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>
/// A loss: a pure function of (output, target) to a scalar, averaged over the batch as PyTorch's default
/// <c>reduction='mean'</c> does. A closed set of immutable records.
/// </summary>
public abstract record Loss
{
    private Loss() { }

    /// <summary>The mean loss of <paramref name="output"/> against <paramref name="target"/> (a 0-d tensor).</summary>
    public abstract Tensor Compute(Tensor output, Tensor target);

    /// <summary>The name used on the command line and in logs.</summary>
    public abstract string Name { get; }

    /// <summary>Mean squared error, as <c>nn.MSELoss()</c>; output and target must have the same shape.</summary>
    public sealed record Mse : Loss
    {
        /// <inheritdoc/>
        public override Tensor Compute(Tensor output, Tensor target)
        {
            RequireSameShape(output, target, "mse");
            return nn.functional.mse_loss(output, target);
        }
        /// <inheritdoc/>
        public override string Name => "mse";
    }

    /// <summary>Binary cross-entropy on probabilities in (0, 1), as <c>nn.BCELoss()</c>.</summary>
    public sealed record Bce : Loss
    {
        /// <inheritdoc/>
        public override Tensor Compute(Tensor output, Tensor target)
        {
            RequireSameShape(output, target, "bce");
            return nn.functional.binary_cross_entropy(output, target);
        }
        /// <inheritdoc/>
        public override string Name => "bce";
    }

    /// <summary>Cross-entropy on raw logits [batch, classes] against int64 class indices [batch], as <c>nn.CrossEntropyLoss()</c>.</summary>
    public sealed record CrossEntropy : Loss
    {
        /// <inheritdoc/>
        public override Tensor Compute(Tensor output, Tensor target) => nn.functional.cross_entropy(output, target);
        /// <inheritdoc/>
        public override string Name => "crossentropy";
    }

    /// <summary>Negative log-likelihood on log-probabilities [batch, classes] against int64 class indices, as <c>nn.NLLLoss()</c> / <c>F.nll_loss</c>.</summary>
    public sealed record Nll : Loss
    {
        /// <inheritdoc/>
        public override Tensor Compute(Tensor output, Tensor target) => nn.functional.nll_loss(output, target);
        /// <inheritdoc/>
        public override string Name => "nll";
    }

    // PyTorch only warns when MSE/BCE shapes differ and then broadcasts ([B,1] against [B] gives a [B,B] loss):
    // a silent wrong answer, so the core refuses it.
    private static void RequireSameShape(Tensor output, Tensor target, string loss)
    {
        if (!output.shape.SequenceEqual(target.shape))
            throw new ArgumentException(
                $"{loss}: output shape [{string.Join(", ", output.shape)}] differs from target shape [{string.Join(", ", target.shape)}]");
    }
}
