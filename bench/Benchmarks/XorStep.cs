using Functional.Reference;
using Functional.Training;
using Functional.Training.Exercises;

namespace Functional.Benchmarks;

/// <summary>One step of the XOR tutorial: the <c>xor</c> command's defaults (2-2-1 sigmoid network, batch 10, MSE, SGD lr 0.01).</summary>
public class XorStep : StepBenchmark
{
    private Prepared<Trainer, XorSets> _setup = null!;
    private readonly XorOptions _options = new();

    /// <inheritdoc/>
    protected override (Trainer Trainer, TrainState Initial, Batch Batch, TorchOptimizer Optimizer) Prepare()
    {
        _setup = Xor.Prepare(_options);
        return (_setup.Trainer, _setup.Initial, _setup.Data.Train.Batches()[0], new TorchOptimizer.Sgd(_options.Lr));
    }

    /// <inheritdoc/>
    protected override void Release() => _setup.Dispose();
}
