using Functional.Reference;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;

namespace Functional.Benchmarks;

/// <summary>
/// One step of the MNIST tutorial: the <c>mnist</c> command's defaults (784-64-64-64-10 ReLU/log-softmax network, NLL,
/// Adam lr 1e-3, batch 10) on the first shuffled batch of the shipped sample (data/mnist-sample).
/// </summary>
public class MnistStep : StepBenchmark
{
    private MnistData _data = null!;
    private Prepared<Trainer, MnistTrainSet> _setup = null!;
    private IReadOnlyList<Batch> _batches = null!;

    /// <inheritdoc/>
    protected override (Trainer Trainer, TrainState Initial, Batch Batch, TorchOptimizer Optimizer) Prepare()
    {
        _data = ReadSample();
        var options = new MnistOptions(Epochs: 1);
        _setup = Mnist.Prepare(options, _data);
        _batches = Batching.Shuffled(_setup.Data.TrainPixels, _setup.Data.TrainLabels, options.BatchSize, _setup.Initial.Rng).MapInputs(Mnist.ToInputs).GatherAll();
        return (_setup.Trainer, _setup.Initial, _batches[0], new TorchOptimizer.Adam(options.Lr));
    }

    /// <inheritdoc/>
    protected override void Release()
    {
        foreach (var b in _batches)
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
