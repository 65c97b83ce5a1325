using TorchSharp;
using Functional.Training.Data;
using Functional.Training.Optimizers;

namespace Functional.Training.Exercises;

/// <summary>
/// Options of the curve-fitting exercise; the defaults are the tutorial's first run (<see cref="Regression.Presets"/>
/// "fit"): 1000 points, 1 → 20 → 1 with ELU, MSE, Adam lr 0.01, 10000 full-batch epochs, no split, no weight decay.
/// </summary>
/// <param name="Points">Number of points on x = linspace(−3, 3, Points); at least 2.</param>
/// <param name="Hidden">Hidden width.</param>
/// <param name="Activation">Hidden activation name (see <see cref="Model.Activation.Names"/>).</param>
/// <param name="Optimizer"><c>adam</c> or <c>sgd</c>.</param>
/// <param name="Lr">Learning rate.</param>
/// <param name="Epochs">Passes over the training points.</param>
/// <param name="Split">Train fraction in (0, 1), or null to train on every point with no validation.</param>
/// <param name="SplitMode">How the split is made: the tutorial's sequential one (the test part is extrapolation) or random.</param>
/// <param name="WeightDecay">L2 weight decay of the optimizer (≥ 0; torch.optim's <c>weight_decay</c>).</param>
/// <param name="BatchSize">Mini-batch size with a fresh shuffle every epoch, or null for full batch.</param>
/// <param name="Seed">Seed (as <c>torch.manual_seed</c>).</param>
public sealed record RegressionOptions(
    int Points = 1000, int Hidden = 20, string Activation = "elu", string Optimizer = "adam", double Lr = 0.01,
    int Epochs = 10000, double? Split = null, SplitMode SplitMode = SplitMode.Sequential, double WeightDecay = 0,
    int? BatchSize = null, long Seed = 1)
{
    /// <summary>Standard deviation of the noise added to the curve (the tutorial's 0.1).</summary>
    public const double Noise = 0.1;

    /// <summary>The hidden activations a 1-output fit can use.</summary>
    public static IReadOnlyList<string> Activations { get; } = [.. Model.Activation.Names.Where(a => a != "logsoftmax")];

    /// <summary>Returns this, or throws an <see cref="OptionError"/> naming the first option out of range.</summary>
    public RegressionOptions Validate()
    {
        Require.Between(nameof(Points), Points, 2, Limits.Points);
        Require.Between(nameof(Hidden), Hidden, 1, Limits.Width);
        Require.OneOf(nameof(Activation), Activation.ToLowerInvariant(), Activations);
        Require.OneOf(nameof(Optimizer), Optimizer, Regression.Optimizers);
        Require.PositiveNumber(nameof(Lr), Lr);
        Require.Positive(nameof(Epochs), Epochs);
        if (Split is { } f)
        {
            Require.Fraction(nameof(Split), f);
            var train = (long)Math.Round(Points * f);
            if (train < 1 || train >= Points)
                throw new OptionError(nameof(Split), f, $"a fraction that leaves at least one of the {Points} points on each side");
        }
        Require.Defined(nameof(SplitMode), SplitMode);
        Require.NonNegativeNumber(nameof(WeightDecay), WeightDecay);
        if (BatchSize is { } b) Require.Positive(nameof(BatchSize), b);
        return this;
    }

    /// <summary>The options a resumed run must share with its checkpoint: all but <see cref="Epochs"/>, which may grow.</summary>
    public ImmutableSortedDictionary<string, string> MustMatchOnResume() => ResumeOptions.Of(
        (nameof(Points), Points), (nameof(Hidden), Hidden), (nameof(Activation), Activation), (nameof(Optimizer), Optimizer), (nameof(Lr), Lr),
        (nameof(Split), Split), (nameof(SplitMode), SplitMode), (nameof(WeightDecay), WeightDecay), (nameof(BatchSize), BatchSize), (nameof(Seed), Seed));
}

/// <summary>
/// A curve fit's data: all points in x order ([n, 1]), and the train and test parts (the test part is null without a
/// split). Dispose frees them.
/// </summary>
public sealed record RegressionData(Tensor X, Tensor Y, Tensor XTrain, Tensor YTrain, Tensor? XTest, Tensor? YTest) : IDisposable
{
    /// <summary>Frees the data tensors.</summary>
    public void Dispose()
    {
        foreach (var t in new[] { X, Y, XTrain, YTrain, XTest, YTest }) t?.Dispose();
    }
}

/// <summary>
/// The curve-fitting tutorials: y = sin(cos(x²)) + 0.1·N(0,1) on x = linspace(−3, 3, n), fitted by nn.Sequential(Linear(1,H),
/// act, Linear(H,1)) with MSE. Draw order: the noise, then the layers (weight before bias), then (random split only) the
/// split permutation, then per epoch the draws of iterating the DataLoaders (mini-batch runs only) — so a run under seed S
/// equals the tutorial under <c>torch.manual_seed(S)</c>, and sequential and random splits share noise and initial weights.
/// </summary>
public static class Regression
{
    /// <summary>Supported optimizers.</summary>
    public static IReadOnlyList<string> Optimizers { get; } = ["adam", "sgd"];

    /// <summary>
    /// The tutorial's runs: fit (the defaults), split (+ sequential 80/20 split), decay (+ weight decay 1e-3), and loader
    /// (its DataLoader section: 2000 points, sequential 80/20 split, 1-50-1 ReLU, Adam 1e-3, shuffled train batches of
    /// 64 and a validation loop over unshuffled test batches of 64, 2000 epochs).
    /// </summary>
    public static IReadOnlyDictionary<string, RegressionOptions> Presets { get; } = new Dictionary<string, RegressionOptions>
    {
        ["fit"] = new(),
        ["split"] = new(Split: 0.8),
        ["decay"] = new(Split: 0.8, WeightDecay: 1e-3),
        ["loader"] = new(Points: 2000, Hidden: 50, Activation: "relu", Lr: 1e-3, Epochs: 2000, Split: 0.8, BatchSize: 64),
    };

    /// <summary>The options of preset <paramref name="name"/> (any case); an unknown name is an <see cref="OptionError"/> for the option "Preset".</summary>
    public static RegressionOptions Preset(string name) => Presets[Require.OneOf("Preset", name.ToLowerInvariant(), Presets.Keys)];

    /// <summary>The network: 1 → H → 1 with the given hidden activation, named as nn.Sequential (0.weight, 0.bias, 2.weight, 2.bias).</summary>
    public static MlpSpec Spec(int hidden, string activation) =>
        new MlpSpec(1, [hidden], 1, ParseActivation(activation), new Activation.Identity()).WithSequentialNames();

    /// <summary>The optimizer the options ask for.</summary>
    public static Optimizer MakeOptimizer(RegressionOptions o) => o.Optimizer switch
    {
        "adam" => new Adam(o.Lr, WeightDecay: o.WeightDecay),
        "sgd" => new Sgd(o.Lr, WeightDecay: o.WeightDecay),
        _ => throw new OptionError(nameof(RegressionOptions.Optimizer), o.Optimizer, $"one of: {string.Join("|", Optimizers)}"),
    };

    /// <summary>The clean curve sin(cos(x²)).</summary>
    public static Tensor Curve(Tensor x) => x.pow(2).cos().sin();

    /// <summary>x = linspace(−3, 3, n) as [n, 1] and y = sin(cos(x²)) + 0.1·randn([n, 1]) drawn from <paramref name="rng"/>.</summary>
    public static Drawn<(Tensor X, Tensor Y)> Data(int points, Rng rng)
    {
        using var scope = NewDisposeScope();
        var x = linspace(-3, 3, points, dtype: ScalarType.Float32).unsqueeze(1);
        var (noise, next) = rng.Randn(points, 1);
        var y = Curve(x).add(noise.mul(RegressionOptions.Noise));
        scope.MoveToOuter(x, y);
        return new((x, y), next);
    }

    /// <summary>Builds the run: the data (noise drawn first), the initial weights, the split, then the plan.</summary>
    public static Prepared<Trainer, RegressionData> Prepare(RegressionOptions options)
    {
        var o = options.Validate();
        var trainer = new Trainer(Spec(o.Hidden, o.Activation), new Loss.Mse(), MakeOptimizer(o));
        var ((x, y), rng) = Data(o.Points, Rng.Seed(o.Seed));
        var (p, afterInit) = Init.Initialize(trainer.Spec, rng);
        rng = afterInit;
        Tensor xTrain, yTrain;
        Tensor? xTest = null, yTest = null;
        if (o.Split is { } fraction)
        {
            var (split, afterSplit) = Batching.Split(o.Points, fraction, o.SplitMode, rng);
            using (split)
            {
                (xTrain, yTrain) = (x.index_select(0, split.Train), y.index_select(0, split.Train));
                (xTest, yTest) = (x.index_select(0, split.Test), y.index_select(0, split.Test));
            }
            rng = afterSplit;
        }
        else (xTrain, yTrain) = (x.alias(), y.alias());

        // Mini-batches are the tutorial's DataLoader section: a shuffled train loader iterated every epoch and an
        // unshuffled test loader of the same batch size, whose loss is the mean of its batch losses. Full-batch runs
        // evaluate the whole test part at once and draw nothing.
        var plan = new RunPlan(o.Epochs, (_, r) =>
            o.BatchSize is { } b ? DataLoader.IterateShuffled(xTrain, yTrain, b, r) : Batching.FullBatch(xTrain, yTrain, r));
        if (xTest is not null && yTest is not null)
            plan = plan with
            {
                Evaluate = (q, r) => o.BatchSize is { } b
                    ? LoaderLoss(trainer, q, xTest, yTest, b, r)
                    : new(new Evaluation.OfModel(LossValue(trainer, q, xTest, yTest), null), r),
            };
        return new(trainer, trainer.Start(p, rng), plan, new RegressionData(x, y, xTrain, yTrain, xTest, yTest));
    }

    /// <summary>
    /// The validation loss as the tutorial's test loop computes it: one iteration of
    /// <c>DataLoader(TensorDataset(x, y), batch_size, shuffle=False)</c> (which draws a base seed from the run's Rng) and
    /// the mean of the batches' MSE (the last batch may be smaller, so this is not the MSE over all points).
    /// </summary>
    public static Drawn<Evaluation> LoaderLoss(Trainer trainer, Params p, Tensor x, Tensor y, int batchSize, Rng rng)
    {
        using var scope = NewDisposeScope();
        var epoch = DataLoader.IterateInOrder(x, y, batchSize, rng);
        var sum = epoch.Batches.Sum(b => LossValue(trainer, p, b.Inputs, b.Targets));
        return new(new Evaluation.OfModel(sum / epoch.Batches.Count, null), epoch.Rng);
    }

    /// <summary>The network's prediction at every point (in x order), as [n].</summary>
    public static float[] Predict(Prepared<Trainer, RegressionData> setup, Params p)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Mlp.Forward(setup.Trainer.Spec, p, setup.Data.X).reshape(-1).data<float>().ToArray();
    }

    /// <summary>The MSE of the network at <paramref name="p"/> on the points (<paramref name="x"/>, <paramref name="y"/>), without autograd.</summary>
    public static double LossValue(Trainer trainer, Params p, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return trainer.LossAt(p, new Batch(x, y)).ToScalar().ToDouble();
    }

    private static Activation ParseActivation(string name) =>
        name.Equals("logsoftmax", StringComparison.OrdinalIgnoreCase)
            ? throw new ArgumentException("logsoftmax is not a hidden activation for a 1-output fit")
            : Activation.Parse(name);
}
