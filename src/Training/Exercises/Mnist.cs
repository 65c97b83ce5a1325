using TorchSharp;
using Functional.Training.Data;
using Functional.Training.Optimizers;

namespace Functional.Training.Exercises;

/// <summary>Options of the MNIST exercise; defaults are the tutorial's (784-64-64-64-10, Adam 1e-3, batch 10, 3 epochs).</summary>
/// <param name="Epochs">Passes over the training images.</param>
/// <param name="BatchSize">Images per optimizer step.</param>
/// <param name="Lr">Adam learning rate.</param>
/// <param name="Hidden">Hidden widths; null means the tutorial's 64, 64, 64.</param>
/// <param name="Seed">Seed of the initial weights and the shuffles (as <c>torch.manual_seed</c>).</param>
/// <param name="Limit">Train on the first <c>Limit</c> training images only; null uses them all.</param>
public sealed record MnistOptions(int Epochs = 3, int BatchSize = 10, double Lr = 1e-3, IReadOnlyList<int>? Hidden = null, long Seed = 1, int? Limit = null)
{
    /// <summary>The hidden widths in effect (the tutorial's 64, 64, 64 unless <see cref="Hidden"/> says otherwise).</summary>
    public ImmutableArray<int> HiddenSizes => Hidden is null ? [64, 64, 64] : [.. Hidden];

    /// <summary>Returns this, or throws an <see cref="OptionError"/> naming the first option out of range.</summary>
    public MnistOptions Validate()
    {
        Require.Positive(nameof(Epochs), Epochs);
        Require.Positive(nameof(BatchSize), BatchSize);
        Require.PositiveNumber(nameof(Lr), Lr);
        Require.EachBetween(nameof(Hidden), HiddenSizes, 1, Limits.Width, Limits.MnistLayers);
        if (Limit is { } n) Require.Positive(nameof(Limit), n);
        return this;
    }

    /// <summary>
    /// The options a resumed run must share with its checkpoint: all but <see cref="Epochs"/>, which may grow (the shell
    /// adds which data it trains on). The widths are stored under both names earlier checkpoints used.
    /// </summary>
    public ImmutableSortedDictionary<string, string> MustMatchOnResume() => ResumeOptions.Of(
        (nameof(BatchSize), BatchSize), (nameof(Lr), Lr), (nameof(Hidden), HiddenSizes), (nameof(HiddenSizes), HiddenSizes), (nameof(Seed), Seed),
        (nameof(Limit), Limit));
}

/// <summary>A stream with the file name to use in error messages.</summary>
public sealed record NamedStream(string Name, Stream Stream);

/// <summary>
/// MNIST as tensors: images as their pixels, uint8 [N, 784] (0..255, as the files and torchvision's <c>MNIST</c> data set
/// hold them: a quarter of float32's memory), labels int64 [N]. The network's inputs are made from the pixels a batch
/// at a time by <see cref="Mnist.ToInputs(Tensor)"/>, as the data set's <c>ToTensor()</c> transform does per image.
/// Dispose frees the four tensors.
/// </summary>
public sealed record MnistData(Tensor TrainPixels, Tensor TrainLabels, Tensor TestPixels, Tensor TestLabels) : IDisposable
{
    /// <summary>Number of training images.</summary>
    public long TrainCount => TrainPixels.shape[0];
    /// <summary>Number of test images.</summary>
    public long TestCount => TestPixels.shape[0];

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        TrainPixels.Dispose();
        TrainLabels.Dispose();
        TestPixels.Dispose();
        TestLabels.Dispose();
    }
}

/// <summary>
/// What an MNIST run trains on: the full data set (the caller's), the training pixels and labels in use (the first
/// <c>Limit</c> of them: views that Dispose frees) and the steps per epoch.
/// </summary>
public sealed record MnistTrainSet(MnistData Data, Tensor TrainPixels, Tensor TrainLabels, int BatchesPerEpoch) : IDisposable
{
    /// <summary>Frees the (possibly limited) training views; the full data set is disposed by its owner.</summary>
    public void Dispose()
    {
        TrainPixels.Dispose();
        TrainLabels.Dispose();
    }
}

/// <summary>One image's prediction: the class and the ten class probabilities (exp of the network's log-softmax).</summary>
public sealed record Prediction(int Label, float[] Probabilities)
{
    /// <summary>The <paramref name="k"/> most probable classes, most probable first.</summary>
    public IEnumerable<(int Label, float Probability)> Top(int k) =>
        Probabilities.Select((p, i) => (i, p)).OrderByDescending(x => x.p).ThenBy(x => x.i).Take(k);
}

/// <summary>
/// The MNIST tutorial: Linear(784,64) → ReLU → Linear(64,64) → ReLU → Linear(64,64) → ReLU → Linear(64,10) →
/// LogSoftmax, layers named fc1..fc4 as in its <c>Net</c>; NLL loss; Adam; shuffled batches every epoch; test accuracy
/// as argmax(output) == label over the test set.
/// </summary>
public static class Mnist
{
    /// <summary>Image side in pixels.</summary>
    public const int Side = 28;
    /// <summary>Pixels per image (the network's inputs).</summary>
    public const int Pixels = Side * Side;
    /// <summary>Number of classes.</summary>
    public const int Classes = 10;

    /// <summary>The standard MNIST file names, without <c>.gz</c>, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The tutorial's network with the given hidden widths: ReLU after each hidden layer, LogSoftmax head, layers fc1, fc2, ….</summary>
    public static MlpSpec Spec(IEnumerable<int> hidden)
    {
        var spec = new MlpSpec(Pixels, hidden, Classes, new Activation.Relu(), new Activation.LogSoftmax());
        return spec with { LayerNames = [.. Enumerable.Range(1, spec.LayerCount).Select(i => $"fc{i}")] };
    }

    /// <summary>
    /// Reads the four IDX files (plain or gzipped) into tensors. Every problem — a corrupt or truncated file, images
    /// that are not 28x28, an empty set, or images and labels of different counts — is an
    /// <see cref="InvalidDataException"/> whose one-line message names the file.
    /// </summary>
    public static MnistData Read(NamedStream trainImages, NamedStream trainLabels, NamedStream testImages, NamedStream testLabels)
    {
        var (trainX, trainY) = ReadPair(trainImages, trainLabels);
        var (testX, testY) = ReadPair(testImages, testLabels);
        return new MnistData(ToPixels(trainX), ToLabels(trainY), ToPixels(testX), ToLabels(testY));
    }

    /// <summary>The images' pixels (0..255, row-major, image after image) as uint8 [N, rows·cols].</summary>
    public static Tensor ToPixels(IdxImages images) =>
        tensor(images.Pixels, [images.Count, (long)images.Rows * images.Cols], ScalarType.Byte);

    /// <summary>
    /// The network's inputs from uint8 pixels: float32 of the same shape in [0, 1], as torchvision's <c>ToTensor()</c>
    /// makes them: byte → float32, then / 255 (so the same floats whether a whole set or a batch is converted).
    /// </summary>
    public static Tensor ToInputs(Tensor pixels)
    {
        if (pixels.dtype != ScalarType.Byte) throw new ArgumentException($"MNIST pixels are uint8, got {pixels.dtype}");
        using var f = pixels.to(ScalarType.Float32);
        return f.div(PixelScale);
    }

    // Held for the life of the process: ToInputs runs every step (see Scalars).
    private static readonly Scalar PixelScale = 255f.ToScalar();

    private static Tensor ToLabels(IdxLabels labels)
    {
        using var raw = tensor(labels.Labels, [labels.Count], ScalarType.Byte);
        return raw.to(ScalarType.Int64);
    }

    private static (IdxImages, IdxLabels) ReadPair(NamedStream images, NamedStream labels)
    {
        var x = Idx.ReadImages(images.Stream, images.Name);
        var y = Idx.ReadLabels(labels.Stream, labels.Name);
        if (x.Rows != Side || x.Cols != Side)
            throw new InvalidDataException($"{images.Name}: images are {x.Rows}x{x.Cols}, expected {Side}x{Side} for MNIST");
        if (x.Count == 0) throw new InvalidDataException($"{images.Name}: the file holds no images");
        Idx.Check(x, y, images.Name, labels.Name);
        return (x, y);
    }

    /// <summary>
    /// Builds the run: the initial weights from <c>Rng.Seed(seed)</c> (fc1 weight, fc1 bias, fc2 …, as constructing the
    /// tutorial's <c>Net</c> under <c>torch.manual_seed</c>), then per epoch the draws of iterating the tutorial's shuffled
    /// train <c>DataLoader</c> (<see cref="DataLoader.IterateShuffled"/>) and, after the epoch's steps, a test-set
    /// evaluation (NLL and accuracy) with the one draw its unshuffled test loader makes. <paramref name="data"/> stays the caller's.
    /// </summary>
    public static Prepared<Trainer, MnistTrainSet> Prepare(MnistOptions options, MnistData data)
    {
        options.Validate();
        var n = data.TrainCount;
        if (options.Limit is { } limit && limit > n)
            throw new OptionError(nameof(MnistOptions.Limit), limit, $"at most the {n} training images");
        var count = options.Limit ?? n;
        var spec = Spec(options.HiddenSizes);
        var trainer = new Trainer(spec, new Loss.Nll(), new Adam(options.Lr));
        var x = data.TrainPixels.narrow(0, 0, count);
        var y = data.TrainLabels.narrow(0, 0, count);
        var (p, rng) = Init.Initialize(spec, Rng.Seed(options.Seed));
        var batchSize = options.BatchSize;
        // The tutorial's loaders: DataLoader(train, batch_size, shuffle=True) iterated once per epoch, each batch's images
        // made inputs as its data set's ToTensor() transform does; then the test loop over DataLoader(test, shuffle=False),
        // whose iteration draws a base seed too (it sees the samples in order, so the loss and accuracy are computed on
        // the whole test set at once: the same numbers).
        var plan = new RunPlan(options.Epochs, (_, r) => DataLoader.IterateShuffled(x, y, batchSize, r).MapInputs(ToInputs))
        {
            Evaluate = (q, r) =>
            {
                using var testInputs = ToInputs(data.TestPixels);
                return new(Evaluate(spec, q, testInputs, data.TestLabels), DataLoader.DrawSeed(r).Rng);
            },
        };
        return new(trainer, trainer.Start(p, rng), plan, new MnistTrainSet(data, x, y, Batching.BatchCount(count, batchSize)));
    }

    /// <summary>
    /// Mean NLL and accuracy of <paramref name="p"/> on (<paramref name="x"/>, <paramref name="y"/>): accuracy counts
    /// argmax(output) == label, as the tutorial's test loop does.
    /// </summary>
    public static Evaluation.OfModel Evaluate(MlpSpec spec, Params p, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = Mlp.Forward(spec, p, x);
        var loss = nn.functional.nll_loss(output, y).item<float>();
        var correct = output.argmax(1).eq(y).sum().item<long>();
        return new Evaluation.OfModel(loss, (double)correct / x.shape[0]);
    }

    /// <summary>The network's prediction for each row of <paramref name="x"/> ([N, 784]).</summary>
    public static Prediction[] Predict(MlpSpec spec, Params p, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var probabilities = Mlp.Forward(spec, p, x).exp().contiguous();
        var labels = probabilities.argmax(1).data<long>().ToArray();
        var flat = probabilities.data<float>().ToArray();
        var k = (int)spec.Outputs;
        return [.. labels.Select((l, i) => new Prediction((int)l, flat.AsSpan(i * k, k).ToArray()))];
    }

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> (its message starting with <paramref name="name"/>) unless
    /// <paramref name="spec"/> is an MNIST classifier (784 inputs, 10 log-softmax outputs) and every parameter is finite.
    /// </summary>
    public static void RequireClassifier(MlpSpec spec, Params p, string name)
    {
        if (spec.Inputs != Pixels || spec.Outputs != Classes || spec.Head is not Activation.LogSoftmax)
            throw new InvalidDataException($"{name}: holds a {spec} network, not an MNIST classifier ({Pixels} inputs, {Classes} log-softmax outputs)");
        foreach (var (pname, value) in p.Items)
        {
            using var scope = NewDisposeScope();
            long nan = value.isnan().sum().item<long>(), inf = value.isinf().sum().item<long>();
            if (nan + inf > 0)
                throw new InvalidDataException($"{name}: parameter '{pname}' holds {nan} NaN and {inf} infinite values of {value.numel()}; "
                                               + "a model that is not finite cannot predict (was it saved from a diverged run?)");
        }
    }

    /// <summary>The confusion matrix: entry [t, p] counts images of true class t predicted as p.</summary>
    public static int[,] Confusion(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classes = Classes)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"{truth.Count} labels but {predicted.Count} predictions");
        var m = new int[classes, classes];
        for (var i = 0; i < truth.Count; i++) m[truth[i], predicted[i]]++;
        return m;
    }
}
