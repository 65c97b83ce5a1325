using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Reference;
using Functional.Training;
using Functional.Training.Analysis;
using Functional.Training.Data;
using Functional.Training.Ensembles;
using Functional.Training.Exercises;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Exercises;

/// <summary>Generators of XOR run options for the properties below.</summary>
public static class XorArbs
{
    private static Gen<XorOptions> Options(bool sameShape) =>
        from seed in Gen.Choose(0, 10_000)
        from activation in Gen.Elements("sigmoid", "tanh", "relu")
        from init in Gen.Elements("default", "uniform")
        from center in Gen.Elements(false, true)
        from lr in Gen.Elements(0.01, 0.05, 0.2)
        from hidden in sameShape ? Gen.Constant(2) : Gen.Choose(1, 3)
        from inputs in sameShape ? Gen.Constant(2) : Gen.Choose(2, 3)
        from data in Gen.Elements(XorDataStream.Python, XorDataStream.Torch)
        select new XorOptions(activation, init, center, lr, 1, hidden, inputs, seed, data);

    /// <summary>1–4 members of any shape, activation, init, centering and learning rate, one epoch each.</summary>
    public static Arbitrary<XorOptions[]> Members() =>
        (from k in Gen.Choose(1, 4) from ms in Gen.ArrayOf(Options(sameShape: false), k) select ms).ToArbitrary();
}

/// <summary>The XOR exercise: data invariants, the ensemble against single runs, the imperative oracle, divergence.</summary>
public sealed class XorTests
{
    private const double Float32Epsilon = 1.0 / (1 << 23);

    private static List<double> SingleRunLosses(XorOptions o)
    {
        using var setup = Xor.Prepare(o);
        return Runs.StepLosses(setup.Trainer, setup.Initial, setup.Plan);
    }

    [Property(MaxTest = 4, Arbitrary = [typeof(XorArbs)])]
    public void Every_ensemble_member_gives_the_losses_of_its_single_run(XorOptions[] members)
    {
        using var setup = XorEnsemble.Prepare(members);
        var steps = new List<IReadOnlyList<double>>();
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
        {
            if (e is StepEvent s) steps.Add(s.MemberLosses!);
            if (e is Finished f) f.State.Dispose();
        }
        for (var k = 0; k < members.Length; k++)
        {
            var single = SingleRunLosses(members[k]);
            Assert.Equal(single.Count, steps.Count);
            for (var i = 0; i < single.Count; i++)
                if (double.IsFinite(single[i]))
                    // Batched and single matmuls round differently in the last float32 bit, and every step carries that
                    // into the weights: torch.allclose's rtol 1e-5 plus one float32 epsilon (2⁻²³) per step taken, and its
                    // atol 1e-8 for near-zero losses (seen: 1.3e-8 at loss 1.2e-3 by step ~400; 2.3e-5 relative at step
                    // 406 with lr 0.2, within the 5.8e-5 this allows there).
                    TensorAssert.AllClose(single[i], steps[i][k], $"member {k} ({members[k]}), step {i}:", rtol: 1e-5 + i * Float32Epsilon);
                else
                    // A diverged single run diverges as a member too, to the same NaN or infinity.
                    Assert.True(single[i].Equals(steps[i][k]), $"member {k} ({members[k]}), step {i}: the single run's loss is {single[i]}, the member's {steps[i][k]}");
        }
    }

    /// <summary>A few batches from either stream: (inputs [7, 10, n], targets [7, 10]).</summary>
    private static XorBatches DrawSome(XorDataStream stream, int seed, int inputs, bool center) => stream == XorDataStream.Python
        ? XorData.Draw(PyRandom.Seed(seed), 7, 10, inputs, center).Value
        : XorData.Draw(Rng.Seed(seed), 7, 10, inputs, center).Value;

    [Property(MaxTest = 40)]
    public Property Data_targets_are_the_parity_of_the_inputs_with_bounded_noise()
    {
        var gen = from seed in Gen.Choose(0, 100_000) from inputs in Gen.Choose(1, 6) from center in Gen.Elements(false, true)
                  from stream in Gen.Elements(XorDataStream.Python, XorDataStream.Torch) select (seed, inputs, center, stream);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var data = DrawSome(c.stream, c.seed, c.inputs, c.center);
            var (lo, hi) = c.center ? (-1.0, 1.0) : (0.0, 1.0);
            var x = TensorAssert.Values(data.Inputs);
            var y = TensorAssert.Values(data.Targets);
            // clean value = the nearer of lo/hi; the noise is in [0, 0.1) (float32 rounding may reach 0.1 itself)
            bool Noisy(double v) { var clean = v - lo < 0.55 * (hi - lo) ? lo : hi; var n = v - clean; return n >= 0 && n < XorData.Noise + 1e-6; }
            var parity = TensorAssert.Values(XorData.Parity(data.Inputs, c.center));
            var rounded = TensorAssert.Values(data.Targets.round());
            return x.All(Noisy) && y.All(Noisy) && parity.SequenceEqual(rounded)
                   && data.Inputs.dtype == ScalarType.Float32 && data.Targets.dtype == ScalarType.Float32
                   && data.Inputs.shape.SequenceEqual(new long[] { 7, 10, c.inputs }) && data.Targets.shape.SequenceEqual(new long[] { 7, 10 });
        });
    }

    [Theory]
    [InlineData(XorDataStream.Python)]
    [InlineData(XorDataStream.Torch)]
    public void Centering_maps_the_clean_bits_from_0_1_to_minus_1_1_on_the_same_draws(XorDataStream stream)
    {
        using var scope = NewDisposeScope();
        var plain = DrawSome(stream, 3, 2, center: false);
        var centered = DrawSome(stream, 3, 2, center: true);
        // same random draws: centered = 2·clean − 1 + the same noise, for inputs and targets alike
        foreach (var (p, c) in new[] { (plain.Inputs, centered.Inputs), (plain.Targets, centered.Targets) })
        {
            var expected = p.sub(p.round()).add(p.round().mul(2).sub(1));
            Assert.True(TensorAssert.MaxRelativeError(expected, c) < 1e-6);
            Assert.Equal(TensorAssert.Values(p.round().mul(2).sub(1)), TensorAssert.Values(c.round()));
        }
    }

    [Theory]
    [InlineData(XorDataStream.Python, false, 2)]
    [InlineData(XorDataStream.Python, true, 3)]
    [InlineData(XorDataStream.Torch, true, 2)]
    public void A_run_has_500_train_and_50_test_batches_of_10_and_its_init_follows_the_data(XorDataStream stream, bool center, int inputs)
    {
        using var scope = NewDisposeScope();
        var o = new XorOptions(Center: center, Inputs: inputs, Seed: 5, Data: stream);
        var (train, test, p, _) = Xor.Draw(o);
        Assert.Equal(new long[] { Xor.TrainBatches, Xor.BatchSize, inputs }, train.Inputs.shape);
        Assert.Equal(new long[] { Xor.TrainBatches, Xor.BatchSize }, train.Targets.shape);
        Assert.Equal(new long[] { Xor.TestBatches, Xor.BatchSize, inputs }, test.Inputs.shape);
        Assert.Equal(new long[] { Xor.TestBatches, Xor.BatchSize }, test.Targets.shape);
        var (lo, hi) = center ? (-1.0, 1.1) : (0.0, 1.1);
        Assert.All(TensorAssert.Values(train.Inputs).Concat(TensorAssert.Values(test.Targets)), v => Assert.InRange(v, lo, hi));
        // Python data touch no torch generator: the init is torch.manual_seed(seed)'s; torch data come first in the stream.
        var initRng = stream == XorDataStream.Python ? Rng.Seed(5) : XorData.Draw(XorData.Draw(Rng.Seed(5), Xor.TrainBatches, 10, inputs, center).Rng, Xor.TestBatches, 10, inputs, center).Rng;
        var expected = Init.Initialize(Xor.Spec(o), initRng).Value;
        foreach (var name in p.Names) Assert.Equal(TensorAssert.Bytes(expected[name]), TensorAssert.Bytes(p[name]));
    }

    [Fact]
    public void The_divergence_detector_flags_NaN_and_exploding_curves()
    {
        Assert.True(Curves.Diverged([0.25, 0.3, double.NaN]));
        Assert.True(Curves.Diverged([0.25, double.PositiveInfinity]));
        Assert.True(Curves.Diverged([0.25, 1, 5]));
        Assert.False(Curves.Diverged([0.25, 0.2, 0.01]));
        Assert.False(Curves.Diverged([]));
    }

    [Fact]
    public void A_diverging_member_is_flagged_without_stopping_the_suite()
    {
        var o = new XorSuiteOptions(Epochs: 1, Only: 5);
        var events = XorExperiments.Run(o).ToList();
        var result = Assert.Single(events.OfType<ExperimentDone>()).Result;
        Assert.False(Assert.IsType<SuiteFinished>(events[^1]).Cancelled);
        var lr10 = result.Runs.Single(r => r.Member.Options.Lr == 10);
        Assert.True(lr10.Diverged);
        Assert.Contains(lr10.TrainLoss, l => !double.IsFinite(l));
        Assert.Equal("diverges", result.Rows.Single(r => r.Setting == "lr 10").Verdict);
        Assert.Contains(result.Rows, r => r.Verdict == "learns");
    }

    [Fact]
    public void Plateau_ends_are_found_where_a_flat_loss_starts_to_fall()
    {
        double[] curve = [0.30, 0.25, 0.2499, 0.2498, 0.2497, 0.2496, 0.2490, 0.2400, 0.1500, 0.0500, 0.0100, 0.0099, 0.0099];
        Assert.Equal([8], Curves.PlateauEnds(curve));
        Assert.Empty(Curves.PlateauEnds([0.3, 0.2, 0.1, 0.05]));
    }
}

/// <summary>The XOR run equals the tutorial written imperatively in PyTorch style under torch.manual_seed.</summary>
[Collection(GlobalRng.Name)]
public sealed class XorOracleTests
{
    [Theory]
    [InlineData("sigmoid", false, 1)]
    [InlineData("tanh", true, 42)]
    public void Seeded_run_on_torch_data_equals_the_imperative_loop(string activation, bool center, long seed)
    {
        var o = new XorOptions(activation, Center: center, Epochs: 1, Seed: seed, Data: XorDataStream.Torch);
        var expected = new List<double>();
        using (var scope = NewDisposeScope())
        {
            manual_seed(seed);
            // the tutorial's data: per batch randint bits, parity target, (centering), noise — train batches, then test batches
            var batches = new List<(Tensor X, Tensor Y)>();
            for (var b = 0; b < Xor.TrainBatches + Xor.TestBatches; b++)
            {
                var x = randint(0, 2, [Xor.BatchSize, 2], dtype: ScalarType.Int64).to(ScalarType.Float32);
                var y = x[TensorIndex.Colon, 0].ne(x[TensorIndex.Colon, 1]).to(ScalarType.Float32);
                if (center) { x = x.mul(2).sub(1); y = y.mul(2).sub(1); }
                x = x.add(rand(Xor.BatchSize, 2).mul(0.1));
                y = y.add(rand(Xor.BatchSize).mul(0.1));
                batches.Add((x, y));
            }
            // Linear(2, 2) → sigmoid or tanh → Linear(2, 1) → squeeze, MSE, torch.optim.SGD
            var spec = new MlpSpec(2, [2], 1, activation == "sigmoid" ? new Activation.Sigmoid() : new Activation.Tanh(), new Activation.Identity())
            {
                SqueezeOutput = true,
            };
            using var trainer = new TorchTrainer(new TorchMlp(spec), new Loss.Mse(), new TorchOptimizer.Sgd(o.Lr));
            expected.AddRange(trainer.Train(batches.Take(Xor.TrainBatches)).Select(loss => (double)loss));
        }
        using var setup = Xor.Prepare(o);
        var actual = Loop.Run(setup.Trainer, setup.Initial, setup.Plan).Select(e => { if (e is Finished f) f.State.Dispose(); return e; })
            .OfType<StepEvent>().Select(s => s.Loss).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            TensorAssert.Close(expected[i], actual[i], 1e-6, $"step {i}:");
        }

    /// <summary>The tutorial's make_data(), literally, on our Python random: two randints, the XOR target, (centering), three noises.</summary>
    private static (double[] X, double Y) MakeData(PyRandomStream s, bool center)
    {
        double x1 = (long)s.RandInt(0, 1), x2 = (long)s.RandInt(0, 1);
        double yy = x1 == x2 ? 0 : 1;
        if (center) { x1 = 2.0 * (x1 - 0.5); x2 = 2.0 * (x2 - 0.5); yy = 2.0 * (yy - 0.5); }
        x1 += 0.1 * s.Random();
        x2 += 0.1 * s.Random();
        yy += 0.1 * s.Random();
        return ([x1, x2], yy);
    }

    [Theory]
    [InlineData("sigmoid", false, "default", 1)]
    [InlineData("tanh", true, "default", 42)]
    [InlineData("relu", false, "uniform", 7)]
    public void Seeded_run_equals_the_tutorial_written_imperatively(string activation, bool center, string init, long seed)
    {
        var o = new XorOptions(activation, init, center, Epochs: 1, Seed: seed);
        var expected = new List<double>();
        double expectedTestLoss, expectedAccuracy;
        using (var scope = NewDisposeScope())
        {
            // random.seed(S); three demo batches, 500 train, 50 test — each batch 10 make_data() as float32 arrays
            var batches = PyRandom.Seed(seed).Draw(s => Enumerable.Range(0, 3 + Xor.TrainBatches + Xor.TestBatches).Select(_ =>
            {
                var samples = Enumerable.Range(0, Xor.BatchSize).Select(_ => MakeData(s, center)).ToArray();
                return (X: tensor(samples.SelectMany(d => d.X.Select(v => (float)v)).ToArray(), [Xor.BatchSize, 2]),
                        Y: tensor(samples.Select(d => (float)d.Y).ToArray(), [Xor.BatchSize]));
            }).ToArray()).Value;
            manual_seed(seed); // right before the model is built
            var l1 = nn.Linear(2, 2);
            var l2 = nn.Linear(2, 1);
            var parameters = l1.parameters().Concat(l2.parameters()).ToArray();
            if (init == "uniform")
                using (no_grad())
                    foreach (var p in parameters) p.uniform_(-1, 1);
            var optimizer = optim.SGD(parameters, o.Lr);
            Tensor Forward(Tensor x)
            {
                var h = l1.forward(x);
                h = activation switch { "sigmoid" => h.sigmoid(), "tanh" => h.tanh(), _ => h.relu() };
                return l2.forward(h).squeeze();
            }
            foreach (var (x, y) in batches.Skip(3).Take(Xor.TrainBatches))
            {
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(Forward(x), y);
                loss.backward();
                optimizer.step();
                expected.Add(loss.item<float>());
            }
            using (no_grad())
            {
                double lossSum = 0, correct = 0;
                foreach (var (x, y) in batches.Skip(3 + Xor.TrainBatches))
                {
                    var output = Forward(x);
                    lossSum += nn.functional.mse_loss(output, y).item<float>();
                    correct += output.round().eq(y.round()).sum().item<long>();
                }
                expectedTestLoss = lossSum / Xor.TestBatches;
                expectedAccuracy = correct / (Xor.TestBatches * Xor.BatchSize);
            }
        }
        using var setup = Xor.Prepare(o);
        var events = Loop.Run(setup.Trainer, setup.Initial, setup.Plan).Select(e => { if (e is Finished f) f.State.Dispose(); return e; }).ToList();
        var actual = events.OfType<StepEvent>().Select(s => s.Loss).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            TensorAssert.Close(expected[i], actual[i], 1e-6, $"step {i}:");
        var epoch = Assert.Single(events.OfType<EpochEvent>());
        TensorAssert.Close(expectedTestLoss, epoch.ValLoss!.Value, 1e-5, "test loss:");
        Assert.Equal(expectedAccuracy, epoch.Accuracy!.Value, 1e-6);
}
}
