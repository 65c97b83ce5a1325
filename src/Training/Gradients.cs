using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training;

/// <summary>
/// A loss value (detached, single element) and its gradient with respect to every parameter (same names and shapes as
/// the params). Both are new tensors owned by the caller, in the caller's DisposeScope if there is one.
/// </summary>
public sealed record ValueAndGradient(Tensor Value, Params Gradient);

/// <summary>Pure gradients: <c>torch.autograd.grad</c> on a loss closure over params; no <c>.grad</c> field is read or written.</summary>
public static class Gradients
{
    /// <summary>
    /// Evaluates <paramref name="loss"/> at <paramref name="at"/> and returns its (detached) value and gradient.
    /// The given tensors are untouched: the closure sees fresh leaf aliases of them. A parameter the loss does not
    /// depend on gets a zero gradient. The loss must return a single-element tensor.
    /// </summary>
    public static ValueAndGradient Compute(Func<Params, Tensor> loss, Params at)
    {
        var leaves = at.Map(t => t.detach().requires_grad_(true));
        var value = loss(leaves);
        // autograd.grad aborts the process on error instead of throwing (no native error guard): check first.
        if (value.numel() != 1)
            throw new ArgumentException($"the loss must have one element, got shape [{string.Join(", ", value.shape)}]");
        if (!value.requires_grad)
            throw new ArgumentException("the loss does not depend on any parameter (it does not require grad)");
        var grads = autograd.grad([value], [.. leaves.Values], retain_graph: false, create_graph: false, allow_unused: true);
        var gradient = new Params(at.Names, grads.Select((g, i) => g is null || g.IsInvalid ? zeros_like(at.Values[i]) : g));
        return new ValueAndGradient(value.detach(), gradient);
    }
}
