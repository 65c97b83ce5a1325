using BenchmarkDotNet.Attributes;
using Functional.Reference;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;
using TorchSharp;

namespace Functional.Benchmarks;

/// <summary>
/// One step of the MNIST tutorial (784-64-64-64-10 ReLU/log-softmax network, NLL, Adam lr 1e-3, batch 10: the
/// <c>mnist</c> command's defaults) on the first shuffled batch of the shipped sample: the functional core's pure
/// <see cref="Trainer.Step"/> against the imperative reference's step (nn.Module + torch.optim), from the same weights.
/// One torch thread for both, as the <c>mnist</c> command runs.
/// </summary>
[MemoryDiagnoser]
public class MnistStep
{
    private MnistData _data = null!;
    private MnistSetup _setup = null!;
    private TrainState _state = null!;
    private EpochData _epoch = null!;
    private Batch _batch = null!;
    private TorchTrainer _imperative = null!;

    /// <summary>The mnist command's run on data/mnist-sample; the imperative twin starts from the same weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _data = ReadSample();
        var options = new MnistOptions(Epochs: 1);
        _setup = Mnist.Prepare(options, _data);
        _state = _setup.Initial;
        _epoch = Batching.Shuffled(_setup.TrainImages, _setup.TrainLabels, options.BatchSize, _state.Rng);
        _batch = _epoch.Batches[0];
        _imperative = new TorchTrainer(TorchMlp.From(_setup.Trainer.Spec, _state.Params), _setup.Trainer.Loss, new TorchOptimizer.Adam(options.Lr));
    }

    /// <summary>zero_grad, forward, NLL, backward, Adam step, loss.item(): the tutorial's loop body.</summary>
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

    /// <summary>Frees the state, the modules, the batches and the data.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _state.Dispose();
        _imperative.Dispose();
        foreach (var b in _epoch.Batches)
        {
            b.Inputs.Dispose();
            b.Targets.Dispose();
        }
        _setup.Dispose();
        _data.Dispose();
    }

    // BenchmarkDotNet runs the benchmarks from a project it generates below this one's bin folder: the repository is
    // found by walking up from there to Functional.sln.
    private static MnistData ReadSample()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Functional.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no Functional.sln above {AppContext.BaseDirectory}: run the benchmarks from the repository");
        var sample = Path.Combine(dir.FullName, "data", "mnist-sample");
        var streams = Mnist.FileNames.Select(name => new NamedStream(name + ".gz", File.OpenRead(Path.Combine(sample, name + ".gz")))).ToArray();
        try
        {
            return Mnist.Read(streams[0], streams[1], streams[2], streams[3]);
        }
        finally
        {
            foreach (var s in streams) s.Stream.Dispose();
        }
    }
}
