using Functional.Training.Data;
using Functional.Training.Optimizers;

namespace Functional.Training.Exercises;

/// <summary>Options of the XOR exercise; defaults are the tutorial's.</summary>
/// <param name="Activation">Hidden activation: sigmoid, tanh or relu.</param>
/// <param name="Init">Parameter init: <c>default</c> (nn.Linear's) or <c>uniform</c> (U(−1, 1) for every parameter, drawn after the default).</param>
/// <param name="Center">Map inputs and targets from {0,1} to {−1,1} before the noise.</param>
/// <param name="Lr">SGD learning rate.</param>
/// <param name="Epochs">Passes over the training batches.</param>
/// <param name="Hidden">Hidden width.</param>
/// <param name="Inputs">Number of input bits; the target is their parity (2 = XOR).</param>
/// <param name="Seed">Seed of the data (<c>random.seed</c>, or <c>torch.manual_seed</c> for the torch stream) and of the initial weights (<c>torch.manual_seed</c>).</param>
/// <param name="Data">Which stream the data come from: Python's <c>random</c> as the tutorial draws them (default), or the torch generator.</param>
public sealed record XorOptions(string Activation = "sigmoid", string Init = "default", bool Center = false, double Lr = 0.01,
    int Epochs = 100, int Hidden = 2, int Inputs = 2, long Seed = 1, XorDataStream Data = XorDataStream.Python)
{
    /// <summary>Activations the exercise offers.</summary>
    public static IReadOnlyList<string> Activations { get; } = ["sigmoid", "tanh", "relu"];

    /// <summary>Returns this, or throws an <see cref="OptionError"/> naming the first option out of range.</summary>
    public XorOptions Validate()
    {
        Require.OneOf(nameof(Activation), Activation, Activations);
        Require.OneOf(nameof(Init), Init, Model.Init.Names);
        Require.PositiveNumber(nameof(Lr), Lr);
        Require.Positive(nameof(Epochs), Epochs);
        Require.Between(nameof(Hidden), Hidden, 1, Limits.Width);
        Require.Between(nameof(Inputs), Inputs, 1, Limits.ParityInputs);
        Require.Defined(nameof(Data), Data);
        return this;
    }

    /// <summary>The options a resumed run must share with its checkpoint: all but <see cref="Epochs"/>, which may grow.</summary>
    public ImmutableSortedDictionary<string, string> MustMatchOnResume() => ResumeOptions.Of(
        (nameof(Activation), Activation), (nameof(Init), Init), (nameof(Center), Center), (nameof(Lr), Lr), (nameof(Hidden), Hidden),
        (nameof(Inputs), Inputs), (nameof(Seed), Seed), (nameof(Data), Data));
}

/// <summary>A run's XOR data: the training and the test batches. Dispose frees both.</summary>
public sealed record XorSets(XorBatches Train, XorBatches Test) : IDisposable
{
    /// <summary>Frees the train and test tensors.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>
/// The XOR tutorial: noisy XOR batches of 10 (three demo batches, then 500 train and 50 test, drawn once per run),
/// Linear(N,H) → activation → Linear(H,1) → squeeze, MSE, SGD; test loss and accuracy (rounded output equals rounded
/// target) after every epoch.
/// </summary>
public static class Xor
{
    /// <summary>Samples per batch.</summary>
    public const int BatchSize = 10;
    /// <summary>Batches the tutorial's data cell prints before drawing the training data (they draw, so they count).</summary>
    public const int DemoBatches = 3;
    /// <summary>Training batches per run (one epoch).</summary>
    public const int TrainBatches = 500;
    /// <summary>Test batches per run.</summary>
    public const int TestBatches = 50;

    /// <summary>The network: Inputs → Hidden (activation) → 1, output squeezed to [batch].</summary>
    public static MlpSpec Spec(int inputs, int hidden, string activation) =>
        new(inputs, [hidden], 1, Activation.Parse(activation), new Activation.Identity()) { SqueezeOutput = true };

    /// <summary>The spec of <paramref name="o"/>.</summary>
    public static MlpSpec Spec(XorOptions o) => Spec(o.Inputs, o.Hidden, o.Activation);

    /// <summary>
    /// Draws a run's data and returns it with the torch generator state the model's init starts from.
    /// <list type="bullet">
    /// <item><see cref="XorDataStream.Python"/>, the tutorial's cell: <c>random.seed(seed)</c>, three demo batches
    /// (drawn and dropped), 500 train and 50 test batches; the data touch no torch generator, so the init starts from
    /// <c>torch.manual_seed(seed)</c>.</item>
    /// <item><see cref="XorDataStream.Torch"/>: under <c>torch.manual_seed(seed)</c>, the train batches, then the test
    /// batches (no demo batches); the init continues that stream.</item>
    /// </list>
    /// </summary>
    public static (XorBatches Train, XorBatches Test, Rng Rng) DrawData(XorOptions o)
    {
        if (o.Data == XorDataStream.Torch)
        {
            var (train, r1) = XorData.Draw(Rng.Seed(o.Seed), TrainBatches, BatchSize, o.Inputs, o.Center);
            var (test, r2) = XorData.Draw(r1, TestBatches, BatchSize, o.Inputs, o.Center);
            return (train, test, r2);
        }
        var (data, _) = PyRandom.Seed(o.Seed).Draw(s =>
        {
            var demo = new float[DemoBatches * BatchSize];
            XorData.MakeSamples(s, o.Inputs, o.Center, new float[demo.Length * o.Inputs], demo);
            return (XorData.MakeBatches(s, TrainBatches, BatchSize, o.Inputs, o.Center), XorData.MakeBatches(s, TestBatches, BatchSize, o.Inputs, o.Center));
        });
        return (data.Item1, data.Item2, Rng.Seed(o.Seed));
    }

    /// <summary>
    /// Draws one run's data and initial params (<see cref="DrawData"/>, then the model init from the Rng it returns):
    /// the tutorial's order. Shared by the single run and by ensembles, so member k equals the single run with its options.
    /// </summary>
    public static (XorBatches Train, XorBatches Test, Params Params, Rng Rng) Draw(XorOptions o)
    {
        var (train, test, rng) = DrawData(o);
        var (p, next) = Model.Init.Initialize(Spec(o), rng, Model.Init.Parse(o.Init));
        return (train, test, p, next);
    }

    /// <summary>Builds the run: data, then the initial weights, then the plan (the same train batches in order every epoch).</summary>
    public static Prepared<Trainer, XorSets> Prepare(XorOptions options)
    {
        options.Validate();
        var trainer = new Trainer(Spec(options), new Loss.Mse(), new Sgd(options.Lr));
        var (train, test, p, rng) = Draw(options);
        // The batch views are made once (they live as long as the data): the same batches in order every epoch,
        // without two indexing calls per step.
        var batches = train.Batches();
        var plan = new RunPlan(options.Epochs, (_, r) => new EpochData(batches, r))
        {
            Evaluate = (p, r) => new(Evaluate(trainer.Spec, p, test), r),
        };
        return new(trainer, trainer.Start(p, rng), plan, new XorSets(train, test));
    }

    /// <summary>
    /// Test loss (the mean over test batches of each batch's MSE, as the tutorial sums <c>loss.item()</c> per batch) and
    /// accuracy (the fraction of test samples whose rounded output equals the rounded target).
    /// </summary>
    public static Evaluation.OfModel Evaluate(MlpSpec spec, Params p, XorBatches test)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = Mlp.Forward(spec, p, test.Inputs); // [batches, batch]
        var loss = output.sub(test.Targets).square().mean([1]).mean().item<float>();
        var accuracy = output.round().eq(test.Targets.round()).to(ScalarType.Float32).mean().item<float>();
        return new Evaluation.OfModel(loss, accuracy);
    }

    /// <summary>
    /// The network's output over a grid of the 2-D input plane ([<paramref name="steps"/>, <paramref name="steps"/>],
    /// row i is x2 = ys[i], column j is x1 = xs[j]) for plotting the decision surface; needs Inputs = 2.
    /// </summary>
    public static (double[] Xs, double[] Ys, double[,] Z) Surface(MlpSpec spec, Params p, double lo, double hi, int steps)
    {
        if (spec.Inputs != 2) throw new ArgumentException("a decision surface needs 2 inputs");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var axis = linspace(lo, hi, steps, dtype: ScalarType.Float32);
        var grid = meshgrid([axis, axis], indexing: "xy"); // grid[0][i,j] = axis[j], grid[1][i,j] = axis[i]
        var x = stack([grid[0].reshape(-1), grid[1].reshape(-1)], 1);
        var z = Mlp.Forward(spec, p, x).to(ScalarType.Float64).data<double>().ToArray();
        var values = axis.to(ScalarType.Float64).data<double>().ToArray();
        var result = new double[steps, steps];
        for (var i = 0; i < steps; i++)
            for (var j = 0; j < steps; j++)
                result[i, j] = z[i * steps + j];
        return (values, values, result);
    }

    /// <summary>The 2-D test inputs split by clean label (rounded target): (x1, x2) of class 0 (or −1) and of class 1.</summary>
    public static (double[] X0, double[] Y0, double[] X1, double[] Y1) TestPoints(XorBatches test)
    {
        using var scope = NewDisposeScope();
        var x = test.Inputs.reshape(-1, test.Inputs.shape[^1]).to(ScalarType.Float64);
        var label = test.Targets.reshape(-1).round().gt(0.5).data<bool>().ToArray();
        var x1 = x[TensorIndex.Colon, 0].contiguous().data<double>().ToArray();
        var x2 = x[TensorIndex.Colon, 1].contiguous().data<double>().ToArray();
        var zero = Enumerable.Range(0, label.Length).Where(i => !label[i]).ToArray();
        var one = Enumerable.Range(0, label.Length).Where(i => label[i]).ToArray();
        return ([.. zero.Select(i => x1[i])], [.. zero.Select(i => x2[i])], [.. one.Select(i => x1[i])], [.. one.Select(i => x2[i])]);
    }
}
