using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Functional.Reference;

/// <summary>The torch.optim optimizer of an imperative run, as a value: which one, with which hyper-parameters.</summary>
public abstract record TorchOptimizer
{
    private TorchOptimizer() { }

    /// <summary>A new torch.optim optimizer over <paramref name="parameters"/>; it changes them in place on every <c>step()</c>.</summary>
    public abstract optim.Optimizer Create(IEnumerable<Parameter> parameters);

    /// <summary><c>torch.optim.SGD(params, lr)</c>: plain SGD, no momentum, no weight decay.</summary>
    public sealed record Sgd(double Lr) : TorchOptimizer
    {
        /// <inheritdoc/>
        public override optim.Optimizer Create(IEnumerable<Parameter> parameters) => optim.SGD(parameters, Lr);
    }

    /// <summary><c>torch.optim.Adam(params, lr, weight_decay=WeightDecay)</c> with the default betas (0.9, 0.999) and eps 1e-8.</summary>
    public sealed record Adam(double Lr, double WeightDecay = 0) : TorchOptimizer
    {
        /// <inheritdoc/>
        public override optim.Optimizer Create(IEnumerable<Parameter> parameters) => optim.Adam(parameters, Lr, weight_decay: WeightDecay);
    }
}
