using Functional.Model;
using Functional.Properties.Support;
using Functional.Reference;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Exercises;

/// <summary>The curve-fitting exercise through the functional core equals the tutorial's imperative TorchSharp run.</summary>
[Collection(GlobalRng.Name)]
public sealed class RegressionTests
{
    /// <summary>
    /// The tutorial, imperatively: torch.manual_seed, the data (noise drawn first), nn.Sequential(Linear, ELU, Linear),
    /// torch.optim.Adam, full batch; returns the loss of every epoch (before that epoch's update).
    /// </summary>
    private static List<double> ImperativeLosses(long seed, int epochs, int points = 1000, double weightDecay = 0)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var x = linspace(-3, 3, points, dtype: ScalarType.Float32).unsqueeze(1);
        var y = sin(cos(x.pow(2))) + 0.1 * randn(x.size());
        using var trainer = new TorchTrainer(new TorchMlp(TutorialNet), new Loss.Mse(), new TorchOptimizer.Adam(0.01, weightDecay));
        return [.. trainer.Train(Enumerable.Repeat((x, y), epochs)).Select(loss => (double)loss)];
    }

    /// <summary>The tutorial's nn.Sequential(Linear(1, 20), ELU(), Linear(20, 1)): layers named 0 and 2.</summary>
    private static MlpSpec TutorialNet => new MlpSpec(1, [20], 1, new Activation.Elu(), new Activation.Identity()).WithSequentialNames();

    private static List<EpochEvent> Epochs(RegressionOptions o)
    {
        using var setup = Regression.Prepare(o);
        return [.. Runs.Events(setup.Trainer, setup.Initial, setup.Plan).OfType<EpochEvent>()];
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(42L)]
    public void Seeded_run_equals_the_imperative_tutorial_epoch_for_epoch_for_1000_epochs(long seed)
    {
        const int epochs = 1000;
        var expected = ImperativeLosses(seed, epochs);
        var actual = Epochs(new RegressionOptions(Epochs: epochs, Seed: seed));
        Assert.Equal(epochs, actual.Count);
        for (var i = 0; i < epochs; i++)
        {
            Assert.Equal(i + 1, actual[i].Epoch);
            TensorAssert.Close(expected[i], actual[i].Loss, 1e-5, $"epoch {i + 1}:");
        }
    }

    [Fact]
    public void Weight_decay_run_equals_the_imperative_Adam_with_weight_decay()
    {
        const int epochs = 300;
        var expected = ImperativeLosses(3, epochs, weightDecay: 1e-3);
        var actual = Epochs(new RegressionOptions(Epochs: epochs, WeightDecay: 1e-3, Seed: 3));
        for (var i = 0; i < epochs; i++)
            TensorAssert.Close(expected[i], actual[i].Loss, 1e-5, $"epoch {i + 1}:");
    }

    [Fact]
    public void Data_draws_the_noise_before_the_weights_as_the_tutorial()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var noise = randn(1000, 1);
        using var model = new TorchMlp(TutorialNet);
        using var setup = Regression.Prepare(new RegressionOptions(Epochs: 1, Seed: 7));
        var expectedY = sin(cos(setup.Data.X.pow(2))) + 0.1 * noise;
        Assert.Equal(TensorAssert.Bytes(expectedY), TensorAssert.Bytes(setup.Data.Y));
        // Every parameter, under the module's own state-dict name: what load_state_dict would be given.
        var stateDict = model.StateDict();
        Assert.Equal(stateDict.Keys.Order(), setup.Initial.Params.Names.Order());
        foreach (var (name, value) in setup.Initial.Params.Items)
            Assert.Equal(TensorAssert.Bytes(stateDict[name]), TensorAssert.Bytes(value));
        Assert.Equal(new long[] { 1000, 1 }, setup.Data.X.shape);
        setup.Initial.Dispose();
    }

    [Fact]
    public void Sequential_split_trains_on_the_first_points_and_validates_on_the_rest()
    {
        using var setup = Regression.Prepare(new RegressionOptions(Points: 100, Epochs: 1, Split: 0.8));
        Assert.Equal(TensorAssert.Bytes(setup.Data.X.narrow(0, 0, 80)), TensorAssert.Bytes(setup.Data.XTrain));
        Assert.Equal(TensorAssert.Bytes(setup.Data.X.narrow(0, 80, 20)), TensorAssert.Bytes(setup.Data.XTest!));
        Assert.Equal(TensorAssert.Bytes(setup.Data.Y.narrow(0, 80, 20)), TensorAssert.Bytes(setup.Data.YTest!));
        setup.Initial.Dispose();
    }

    [Fact]
    public void Random_split_keeps_the_noise_and_the_initial_weights_of_the_sequential_one()
    {
        using var sequential = Regression.Prepare(new RegressionOptions(Points: 100, Epochs: 1, Split: 0.8, Seed: 5));
        using var random = Regression.Prepare(new RegressionOptions(Points: 100, Epochs: 1, Split: 0.8, SplitMode: SplitMode.Random, Seed: 5));
        Assert.Equal(TensorAssert.Bytes(sequential.Data.Y), TensorAssert.Bytes(random.Data.Y));
        Assert.Equal(TensorAssert.Bytes(sequential.Initial.Params["2.weight"]), TensorAssert.Bytes(random.Initial.Params["2.weight"]));
        Assert.Equal(80, random.Data.XTrain.shape[0]);
        Assert.Equal(20, random.Data.XTest!.shape[0]);
        var all = TensorAssert.Values(random.Data.XTrain).Concat(TensorAssert.Values(random.Data.XTest)).Order();
        Assert.Equal(TensorAssert.Values(random.Data.X), all);
        Assert.NotEqual(TensorAssert.Values(sequential.Data.XTest!), TensorAssert.Values(random.Data.XTest));
        sequential.Initial.Dispose();
        random.Initial.Dispose();
    }

    [Fact]
    public void Mini_batches_cover_the_training_points_once_per_epoch()
    {
        using var setup = Regression.Prepare(new RegressionOptions(Points: 200, Epochs: 2, BatchSize: 64));
        var steps = Loop.Run(setup.Trainer, setup.Initial, setup.Plan).Select(e => { if (e is Finished f) f.State.Dispose(); return e; })
            .OfType<StepEvent>().ToList();
        Assert.Equal(2 * 4, steps.Count);
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], steps.Select(s => s.Batch));
    }

    [Theory]
    [InlineData(1.5, null, null, "Split")]
    [InlineData(0.0, null, null, "Split")]
    [InlineData(null, 1, null, "Points")]
    [InlineData(null, null, 0, "BatchSize")]
    public void Bad_options_are_option_errors_naming_the_property(double? split, int? points, int? batchSize, string option)
    {
        var o = new RegressionOptions(Split: split, BatchSize: batchSize) with { Points = points ?? 1000 };
        var e = Assert.Throws<OptionError>(() => o.Validate());
        Assert.Equal(option, e.Option);
        Assert.StartsWith($"{option} must be ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Presets_are_the_tutorial_runs()
    {
        Assert.Equal(new RegressionOptions(), Regression.Preset("fit"));
        Assert.Equal(new RegressionOptions(Split: 0.8), Regression.Preset("split"));
        Assert.Equal(new RegressionOptions(Split: 0.8, WeightDecay: 1e-3), Regression.Preset("decay"));
        var loader = Regression.Preset("loader");
        Assert.Equal((2000, 50, "relu", 1e-3, 64, 2000), (loader.Points, loader.Hidden, loader.Activation, loader.Lr, loader.BatchSize!.Value, loader.Epochs));
        Assert.Equal("Preset", Assert.Throws<OptionError>(() => Regression.Preset("nope")).Option);
        Assert.Equal(new RegressionOptions(Split: 0.8), Regression.Preset("SPLIT"));
    }
}
