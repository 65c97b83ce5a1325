using Functional.Formats;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Reference;
using Functional.Tests.Shared;
using Functional.Training;
using Functional.Training.Checkpoints;
using Functional.Training.Data;
using Functional.Training.Exercises;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Exercises;

/// <summary>The MNIST exercise in the core: data reading, the seeded run against the tutorial's imperative loop, checkpoints, image input.</summary>
[Collection(GlobalRng.Name)]
public sealed class MnistTests
{
    /// <summary>Synthetic 28x28 digits: class c lights up row band c, plus noise; learnable, deterministic.</summary>
    internal static (IdxImages Images, IdxLabels Labels) Synthetic(int count, int seed) => SyntheticDigits.Make(count, seed);

    private static MnistData Data(int train = 100, int test = 30)
    {
        var (tx, ty) = Synthetic(train, 1);
        var (vx, vy) = Synthetic(test, 2);
        NamedStream S(string name, byte[] bytes) => new(name, new MemoryStream(bytes));
        return Mnist.Read(S("ti", Idx.WriteImages(tx)), S("tl", Idx.WriteLabels(ty)), S("vi", Idx.WriteImages(vx)), S("vl", Idx.WriteLabels(vy)));
    }

    [Fact]
    public void Pixels_are_scaled_as_ToTensor_does()
    {
        var images = new IdxImages(1, Mnist.Side, Mnist.Side, [.. Enumerable.Range(0, Mnist.Pixels).Select(i => (byte)(i % 256))]);
        using var pixels = Mnist.ToPixels(images);
        Assert.Equal(ScalarType.Byte, pixels.dtype);
        using var x = Mnist.ToInputs(pixels);
        Assert.Equal([1L, Mnist.Pixels], x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
        var values = x.data<float>().ToArray();
        for (var i = 0; i < Mnist.Pixels; i++) Assert.Equal((float)(i % 256) / 255f, values[i]);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_refused_naming_both_files()
    {
        var (x, _) = Synthetic(5, 1);
        var (_, y) = Synthetic(4, 1);
        NamedStream S(string name, byte[] bytes) => new(name, new MemoryStream(bytes));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Read(S("a-images", Idx.WriteImages(x)), S("a-labels", Idx.WriteLabels(y)),
            S("b-images", Idx.WriteImages(x)), S("b-labels", Idx.WriteLabels(y))));
        Assert.Contains("a-images has 5 images but a-labels has 4 labels", e.Message);
    }

    [Fact]
    public void Images_that_are_not_28x28_are_refused()
    {
        var small = new IdxImages(2, 20, 20, new byte[800]);
        var (_, y) = Synthetic(2, 1);
        NamedStream S(string name, byte[] bytes) => new(name, new MemoryStream(bytes));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Read(S("ti", Idx.WriteImages(small)), S("tl", Idx.WriteLabels(y)),
            S("vi", Idx.WriteImages(small)), S("vl", Idx.WriteLabels(y))));
        Assert.Equal("ti: images are 20x20, expected 28x28 for MNIST", e.Message);
    }

    /// <summary>
    /// The tutorial, imperatively: torch.manual_seed, Linear modules fc1..fc4, torch.optim.Adam, zero_grad/backward/step;
    /// each epoch iterates a shuffled DataLoader as PyTorch's does on the global generator (a base seed, the sampler's
    /// seed, then randperm from a generator seeded with it) and then the test loader (one more base seed); test accuracy
    /// as argmax == label.
    /// </summary>
    private static (List<double> Losses, double Accuracy) Imperative(MnistData data, MnistOptions o)
    {
        using var scope = NewDisposeScope();
        manual_seed(o.Seed);
        // Linear(784, H1) → ReLU → … → Linear(Hn, 10) → log_softmax, NLL, torch.optim.Adam
        var spec = new MlpSpec(Mnist.Pixels, o.HiddenSizes, Mnist.Classes, new Activation.Relu(), new Activation.LogSoftmax());
        using var trainer = new TorchTrainer(new TorchMlp(spec), new Loss.Nll(), new TorchOptimizer.Adam(o.Lr));
        var n = o.Limit ?? data.TrainCount;
        // torch.empty((), dtype=torch.int64).random_() on the global generator: random64() % 2^63, which TorchSharp
        // draws as random_(-2^62, 2^62) shifted by 2^62.
        static long GlobalSeed()
        {
            using var t = empty([], ScalarType.Int64);
            t.random_(-(double)(1L << 62), 1L << 62);
            return t.item<long>() + (1L << 62);
        }
        // Lazy: each epoch's draws happen when its first batch is needed, after the previous epoch's steps and test loop.
        IEnumerable<(Tensor, Tensor)> Batches()
        {
            for (var epoch = 0; epoch < o.Epochs; epoch++)
            {
                GlobalSeed(); // the train loader's base seed
                using var sampler = new Generator(unchecked((ulong)GlobalSeed()));
                var perm = randperm(n, generator: sampler);
                for (long s = 0; s < n; s += o.BatchSize)
                {
                    var idx = perm.narrow(0, s, Math.Min(o.BatchSize, n - s));
                    using var pixels = data.TrainPixels.index_select(0, idx);
                    yield return (Mnist.ToInputs(pixels), data.TrainLabels.index_select(0, idx));
                }
                GlobalSeed(); // the test loader's base seed, iterated after every epoch
            }
        }
        var losses = trainer.Train(Batches()).Select(loss => (double)loss).ToList();
        using var _ = no_grad();
        var correct = trainer.Model.Forward(Mnist.ToInputs(data.TestPixels)).argmax(1).eq(data.TestLabels).sum().item<long>();
        return (losses, (double)correct / data.TestCount);
    }

    [Theory]
    [InlineData(1, 10, null)]
    [InlineData(7, 16, 90)]
    public void Seeded_run_equals_the_imperative_torch_loop_step_for_step(long seed, int batch, int? limit)
    {
        using var data = Data();
        var o = new MnistOptions(Epochs: 2, BatchSize: batch, Seed: seed, Limit: limit, Hidden: [16, 12, 8]);
        var (expected, expectedAccuracy) = Imperative(data, o);
        using var setup = Mnist.Prepare(o, data);
        var losses = new List<double>();
        double? accuracy = null;
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
        {
            if (e is StepEvent s) losses.Add(s.Loss);
            if (e is EpochEvent ep) accuracy = ep.Accuracy;
            if (e is Finished f) f.State.Dispose();
        }
        Assert.Equal(expected.Count, losses.Count);
        for (var i = 0; i < expected.Count; i++) TensorAssert.Close(expected[i], losses[i], 1e-5, $"step {i}:");
        Assert.Equal(expectedAccuracy, accuracy);
    }

    [Fact]
    public void The_network_is_the_tutorials_Net()
    {
        var spec = Mnist.Spec(new MnistOptions().HiddenSizes);
        Assert.Equal("784-64-64-64-10 relu/logsoftmax", spec.ToString());
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias" }, spec.ParamNames().ToArray());
    }

    [Fact]
    public void Checkpoint_round_trips_spec_and_params_bit_for_bit()
    {
        var spec = Mnist.Spec([16, 8]);
        using var p = Init.Initialize(spec, Rng.Seed(3)).Value;
        var bytes = ModelCheckpoint.Serialize(spec, p);
        var loaded = ModelCheckpoint.Deserialize(bytes, "m.safetensors");
        using var q = loaded.Params;
        Assert.Equal(spec, loaded.Spec);
        Assert.Equal(p.Names.ToArray(), q.Names.ToArray());
        for (var i = 0; i < p.Count; i++) Assert.Equal(TensorAssert.Bytes(p.Values[i]), TensorAssert.Bytes(q.Values[i]));
    }

    [Fact]
    public void Checkpoint_whose_tensors_do_not_fit_its_spec_is_one_line_error()
    {
        var spec = Mnist.Spec([16]);
        using var p = Init.Initialize(spec, Rng.Seed(3)).Value;
        var entries = p.Items.Select(x => SafeTensors.FromTensor(x.Name, x.Value)).ToList();
        var lying = new Dictionary<string, string> { [ModelCheckpoint.SpecKey] = ModelCheckpoint.SpecToJson(Mnist.Spec([32])) };
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Deserialize(SafeTensors.Serialize(entries, lying), "m.safetensors"));
        Assert.StartsWith("m.safetensors: tensor 'fc1.weight' has shape [16, 784] but the spec 784-32-10 relu/logsoftmax needs [32, 784]", e.Message);
        var none = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Deserialize(SafeTensors.Serialize(entries, null), "m.safetensors"));
        Assert.Equal("m.safetensors: not a model checkpoint (its metadata has no 'spec')", none.Message);
    }
}
