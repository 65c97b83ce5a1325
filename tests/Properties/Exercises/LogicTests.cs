using Functional.Model;
using Functional.Properties.Support;
using Functional.Reference;
using Functional.Training;
using Functional.Training.Exercises;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Exercises;

/// <summary>The logic exercise through the functional core equals the tutorial's imperative loop.</summary>
[Collection(GlobalRng.Name)]
public sealed class LogicTests
{
    /// <summary>
    /// The tutorial, imperatively: torch.manual_seed, Linear(2, H) → ReLU → Linear(H, 1) (one Linear(2, 1) neuron when
    /// H is 0), torch.optim.SGD, one row per step.
    /// </summary>
    private static List<double> ImperativeLosses(LogicOptions o)
    {
        using var scope = NewDisposeScope();
        manual_seed(o.Seed);
        var spec = new MlpSpec(2, o.Hidden == 0 ? [] : [o.Hidden], 1, new Activation.Relu(), new Activation.Identity());
        using var trainer = new TorchTrainer(new TorchMlp(spec), new Loss.Mse(), new TorchOptimizer.Sgd(o.Lr));
        var x = tensor(Logic.Inputs, ScalarType.Float32);
        var y = tensor(Logic.TruthTable(o.Gate), ScalarType.Float32).reshape(4, 1);
        var rows = Enumerable.Range(0, 4).Select(i => (x[i], y[i])).ToArray();
        return [.. trainer.Train(Enumerable.Repeat(rows, o.Epochs).SelectMany(epoch => epoch)).Select(loss => (double)loss)];
    }

    private static List<double> FunctionalLosses(LogicOptions o)
    {
        using var setup = Logic.Prepare(o);
        return Support.Runs.StepLosses(setup.Trainer, setup.Initial, setup.Plan);
    }

    public static TheoryData<string, int, long> Runs => new()
    {
        { "and", 2, 1 }, { "and", 2, 42 }, { "and", 2, 7 }, { "or", 2, 3 }, { "xor", 2, 5 }, { "xor", 0, 5 }, { "nand", 4, 9 },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void Seeded_run_equals_the_imperative_torch_loop_step_for_step(string gate, int hidden, long seed)
    {
        var o = new LogicOptions(gate, hidden, Seed: seed);
        var expected = ImperativeLosses(o);
        var actual = FunctionalLosses(o);
        Assert.Equal(4 * o.Epochs, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            TensorAssert.Close(expected[i], actual[i], 1e-6, $"step {i}:");
    }

    [Fact]
    public void Default_run_learns_AND()
    {
        using var setup = Logic.Prepare(new LogicOptions());
        var finished = Loop.Run(setup.Trainer, setup.Initial, setup.Plan).OfType<Finished>().Single();
        using var final = finished.State;
        Assert.IsType<StopReason.Completed>(finished.Reason);
        var outputs = Logic.Outputs(setup, final.Params);
        Assert.Equal(Logic.TruthTable("and"), outputs.Select(v => (float)Math.Round(v)));
    }

    [Fact]
    public void A_100000_step_run_keeps_the_number_of_live_tensors_flat()
    {
        using var setup = Logic.Prepare(new LogicOptions(Epochs: 25_000));
        var counts = new List<long>();
        var steps = 0;
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
        {
            if (e is StepEvent && ++steps % 10_000 == 0)
                counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            if (e is Finished f) f.State.Dispose();
        }
        Assert.Equal(100_000, steps);
        Assert.Equal(10, counts.Count);
        Assert.All(counts, c => Assert.Equal(counts[0], c));
    }
}
