using BenchmarkDotNet.Attributes;
using Functional.Reference;
using Functional.Training;
using TorchSharp;

namespace Functional.Benchmarks;

/// <summary>
/// One training step of the functional core (<see cref="Trainer.Step"/>) against the imperative reference's step
/// (<see cref="TorchTrainer.Step"/>: nn.Module + torch.optim), from the same weights on the same batch, repeated on that
/// batch. The imperative step is the baseline, so the table's Ratio is functional / imperative. One torch thread for both.
/// A derived class says which run: its trainer, initial state, batch and the imperative twin's optimizer.
/// </summary>
[MemoryDiagnoser]
public abstract class StepBenchmark
{
    private Trainer _trainer = null!;
    private TrainState _state = null!;
    private Batch _batch = null!;
    private TorchTrainer _imperative = null!;

    /// <summary>The run to step: the core's trainer and initial state, one batch, and the torch.optim twin of the core's optimizer.</summary>
    protected abstract (Trainer Trainer, TrainState Initial, Batch Batch, TorchOptimizer Optimizer) Prepare();

    /// <summary>Frees what <see cref="Prepare"/> made, except the state (the benchmark owns that).</summary>
    protected abstract void Release();

    /// <summary>Prepares the run; the imperative twin starts from the same weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        (_trainer, _state, _batch, var optimizer) = Prepare();
        _imperative = new TorchTrainer(TorchMlp.From(_trainer.Spec, _state.Params), _trainer.Loss, optimizer);
    }

    /// <summary>zero_grad, forward, loss, backward, optimizer step, loss.item(): the tutorials' loop body.</summary>
    [Benchmark(Baseline = true, Description = "imperative")]
    public float Imperative() => _imperative.Step(_batch.Inputs, _batch.Targets);

    /// <summary>The pure step; the previous state is disposed once the next exists, as Loop.Run does.</summary>
    [Benchmark(Description = "functional")]
    public double Functional()
    {
        var (next, log) = _trainer.Step(_state, _batch);
        _state.Dispose();
        _state = next;
        return log.Loss;
    }

    /// <summary>Frees the state, the modules and the run's data.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _state.Dispose();
        _imperative.Dispose();
        Release();
    }
}
