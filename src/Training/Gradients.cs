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
        var (value, gradient) = Compute(loss, at, static (f, p) => f(p));
        return new ValueAndGradient(value.detach(), gradient);
    }

    // The shared body, with the loss's argument passed through (no closure per call on the training step's path). The
    // returned value is the loss tensor itself, still attached to the (freed) graph: callers that only read it skip the detach.
    internal static (Tensor Value, Params Gradient) Compute<TArg>(TArg arg, Params at, Func<TArg, Params, Tensor> loss)
    {
        // detach() is a fresh alias of the same storage: requires_grad_ changes only that alias, never the caller's tensor.
        var leaves = at.Map(LeafAlias);
        var value = loss(arg, leaves);
        // autograd.grad aborts the process on error instead of throwing (no native error guard): check first.
        if (value.numel() != 1)
            throw new ArgumentException($"the loss must have one element, got shape [{string.Join(", ", value.shape)}]");
        if (!value.requires_grad)
            throw new ArgumentException("the loss does not depend on any parameter (it does not require grad)");
        // Stryker disable once Boolean : a retained graph only keeps its buffers until the loss is freed; no caller can reach it again (Compute detaches the value it returns)
        var grads = autograd.grad([value], leaves.Values, retain_graph: false, create_graph: false, allow_unused: true);
        // Map keeps at's names (validated when at was built) and visits the tensors in order, index by index.
        var i = 0;
        var gradient = at.Map(t =>
        {
            var g = grads[i++];
            return g is null || g.IsInvalid ? zeros_like(t) : g;
        });
        return (value, gradient);
    }

    private static Tensor LeafAlias(Tensor t) => t.detach().requires_grad_(true);
}
