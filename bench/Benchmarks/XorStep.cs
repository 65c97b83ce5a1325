using BenchmarkDotNet.Attributes;
using Functional.Reference;
using Functional.Training;
using Functional.Training.Exercises;
using TorchSharp;

namespace Functional.Benchmarks;

/// <summary>
/// One step of the XOR tutorial (2-2-1 sigmoid network, batch 10, MSE, SGD lr 0.01: the <c>xor</c> command's defaults):
/// the functional core's pure <see cref="Trainer.Step"/> against the imperative reference's step (nn.Module +
/// torch.optim), from the same weights on the same batch. One torch thread for both.
/// </summary>
[MemoryDiagnoser]
public class XorStep
{
    private XorSetup _setup = null!;
    private TrainState _state = null!;
    private Batch _batch = null!;
    private TorchTrainer _imperative = null!;

    /// <summary>The xor command's run: its data, spec and initial weights; the imperative twin starts from the same weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _setup = Xor.Prepare(new XorOptions());
        _state = _setup.Initial;
        _batch = _setup.Train.Batches()[0];
        _imperative = new TorchTrainer(TorchMlp.From(_setup.Trainer.Spec, _state.Params), _setup.Trainer.Loss, new TorchOptimizer.Sgd(_setup.Options.Lr));
    }

    /// <summary>zero_grad, forward, MSE, backward, SGD step, loss.item(): the tutorial's loop body.</summary>
    [Benchmark(Baseline = true, Description = "imperative")]
    public float Imperative() => _imperative.Step(_batch.Inputs, _batch.Targets);

    /// <summary>The pure step; the previous state is disposed once the next exists, as Loop.Run does.</summary>
    [Benchmark(Description = "functional")]
    public double Functional()
    {
        var (next, log) = _setup.Trainer.Step(_state, _batch);
        _state.Dispose();
        _state = next;
        return log.Loss;
    }

    /// <summary>Frees the state, the modules and the data.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _state.Dispose();
        _imperative.Dispose();
        _setup.Dispose();
    }
}
