using Functional.Properties.Support;
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
    /// <summary>The tutorial, imperatively: torch.manual_seed, nn.Linear modules, torch.optim.SGD, one row per step.</summary>
    private static List<double> ImperativeLosses(LogicOptions o)
    {
        using var scope = NewDisposeScope();
        manual_seed(o.Seed);
        var layers = o.Hidden == 0 ? [nn.Linear(2, 1)] : new[] { nn.Linear(2, o.Hidden), nn.Linear(o.Hidden, 1) };
        var optimizer = optim.SGD(layers.SelectMany(l => l.parameters()), o.Lr);
        var x = tensor(Logic.Inputs, ScalarType.Float32);
        var y = tensor(Logic.TruthTable(o.Gate), ScalarType.Float32).reshape(4, 1);
        var losses = new List<double>();
        for (var epoch = 0; epoch < o.Epochs; epoch++)
            for (var i = 0; i < 4; i++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                var h = layers[0].forward(x[i]);
                var output = o.Hidden == 0 ? h : layers[1].forward(nn.functional.relu(h));
                var loss = nn.functional.mse_loss(output, y[i]);
                loss.backward();
                optimizer.step();
                losses.Add(loss.item<float>());
            }
        return losses;
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
