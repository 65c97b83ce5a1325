using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Exercises;

/// <summary>The make_blobs equivalent, the train/test split, the blob classifier and the perceptron walkthrough.</summary>
public sealed class BlobsTests
{
    [Property(MaxTest = 40)]
    public Property Blobs_have_the_asked_shapes_and_balanced_clusters()
    {
        var cases = from n in Gen.Choose(1, 120)
                    from features in Gen.Choose(1, 4)
                    from centers in Gen.Choose(1, 6)
                    from seed in Gen.Choose(0, 10_000)
                    select (n, features, centers, seed);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (data, _) = Blobs.Make(c.n, Rng.Seed(c.seed), c.features, c.centers);
            using (data)
            {
                var counts = Enumerable.Range(0, c.centers).Select(k => data.Cluster.eq(k).sum().item<long>()).ToArray();
                // make_blobs: n / centers each, the first n mod centers one more.
                var expected = Enumerable.Range(0, c.centers).Select(k => (long)(c.n / c.centers + (k < c.n % c.centers ? 1 : 0)));
                return data.Points.shape.SequenceEqual([c.n, c.features])
                       && data.Cluster.shape.SequenceEqual([c.n])
                       && data.Centers.shape.SequenceEqual([c.centers, c.features])
                       && data.Points.dtype == ScalarType.Float32 && data.Cluster.dtype == ScalarType.Int64
                       && counts.SequenceEqual(expected);
            }
        });
    }

    [Fact]
    public void The_tutorial_draw_of_40_points_has_14_of_cluster_0_and_26_others()
    {
        using var scope = NewDisposeScope();
        for (var seed = 0; seed < 5; seed++)
        {
            var (data, _) = Blobs.Make(40, Rng.Seed(seed));
            using var labels = Blobs.ZeroVersusRest(data.Cluster);
            Assert.Equal(26.0, labels.sum().item<float>());
            Assert.Equal([0f, 1f], TensorAssert.Values(labels).Distinct().Order().Select(v => (float)v));
            data.Dispose();
        }
    }

    [Fact]
    public void Blobs_are_deterministic_per_seed_and_differ_across_seeds()
    {
        var (a, ra) = Blobs.Make(50, Rng.Seed(3));
        var (b, rb) = Blobs.Make(50, Rng.Seed(3));
        var (c, _) = Blobs.Make(50, Rng.Seed(4));
        using (a) using (b) using (c)
        {
            Assert.Equal(TensorAssert.Bytes(a.Points), TensorAssert.Bytes(b.Points));
            Assert.Equal(TensorAssert.Bytes(a.Cluster), TensorAssert.Bytes(b.Cluster));
            Assert.Equal(ra, rb);
            Assert.NotEqual(TensorAssert.Bytes(a.Points), TensorAssert.Bytes(c.Points));
        }
    }

    [Fact]
    public void Blobs_draw_centers_then_clusters_then_the_shuffle()
    {
        using var scope = NewDisposeScope();
        var rng = Rng.Seed(11);
        var (centers, r1) = rng.Uniform([3, 2], -10, 10);
        var (n0, r2) = r1.Randn(3, 2);
        var (n1, r3) = r2.Randn(2, 2);
        var (n2, r4) = r3.Randn(2, 2);
        var (perm, r5) = r4.RandPerm(7);
        var unshuffled = cat([n0.mul(1.5).add(centers[0]), n1.mul(1.5).add(centers[1]), n2.mul(1.5).add(centers[2])], 0);
        var (data, after) = Blobs.Make(7, rng);
        using (data)
        {
            Assert.Equal(TensorAssert.Bytes(centers), TensorAssert.Bytes(data.Centers));
            Assert.Equal(TensorAssert.Bytes(unshuffled.index_select(0, perm)), TensorAssert.Bytes(data.Points));
            Assert.Equal(r5, after);
        }
    }

    [Fact]
    public void Unshuffled_blobs_come_cluster_by_cluster_around_their_centers()
    {
        var (data, _) = Blobs.Make(300, Rng.Seed(2), centers: 3, clusterStd: 0.5, shuffle: false);
        using (data)
        {
            Assert.Equal(Enumerable.Repeat(0.0, 100).Concat(Enumerable.Repeat(1.0, 100)).Concat(Enumerable.Repeat(2.0, 100)), TensorAssert.Values(data.Cluster));
            for (var k = 0; k < 3; k++)
            {
                using var mean = data.Points.narrow(0, 100 * k, 100).mean([0]);
                Assert.True(TensorAssert.Values(mean.sub(data.Centers[k]).abs()).All(d => d < 0.2), $"cluster {k} mean far from its center");
            }
        }
    }

    [Theory]
    [InlineData(0, 2, 3, 1.5)]
    [InlineData(10, 0, 3, 1.5)]
    [InlineData(10, 2, 0, 1.5)]
    [InlineData(10, 2, 3, -1.0)]
    public void Bad_blob_arguments_throw(int n, int features, int centers, double std) =>
        Assert.Throws<ArgumentException>(() => Blobs.Make(n, Rng.Seed(0), features, centers, std));

    [Property(MaxTest = 60)]
    public Property Split_is_a_disjoint_cover_of_the_right_sizes()
    {
        var cases = from n in Gen.Choose(2, 300)
                    from percent in Gen.Choose(1, 99)
                    from random in Gen.Elements(false, true)
                    from seed in Gen.Choose(0, 1000)
                    select (n, f: percent / 100.0, random, seed);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var train = (long)Math.Round(c.n * c.f);
            if (train < 1 || train >= c.n)
                return Throws(() => Batching.Split(c.n, c.f, SplitMode.Sequential, Rng.Seed(c.seed)));
            var (split, _) = Batching.Split(c.n, c.f, c.random ? SplitMode.Random : SplitMode.Sequential, Rng.Seed(c.seed));
            using (split)
            {
                var a = TensorAssert.Values(split.Train);
                var b = TensorAssert.Values(split.Test);
                var cover = a.Concat(b).Order().SequenceEqual(Enumerable.Range(0, c.n).Select(i => (double)i));
                var sequential = c.random || a.SequenceEqual(Enumerable.Range(0, (int)train).Select(i => (double)i));
                return a.Length == train && b.Length == c.n - train && cover && sequential;
            }
        });
    }

    [Fact]
    public void Random_split_is_deterministic_per_seed_and_sequential_split_draws_nothing()
    {
        var (s1, r1) = Batching.Split(50, 0.8, SplitMode.Random, Rng.Seed(9));
        var (s2, r2) = Batching.Split(50, 0.8, SplitMode.Random, Rng.Seed(9));
        var (s3, r3) = Batching.Split(50, 0.8, SplitMode.Sequential, Rng.Seed(9));
        using (s1) using (s2) using (s3)
        {
            Assert.Equal(TensorAssert.Bytes(s1.Train), TensorAssert.Bytes(s2.Train));
            Assert.Equal(r1, r2);
            Assert.Equal(Rng.Seed(9), r3);
        }
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Split_rejects_fractions_outside_0_1(double f) =>
        Assert.Throws<ArgumentException>(() => Batching.Split(10, f, SplitMode.Sequential, Rng.Seed(0)));

    [Fact]
    public void Blob_classifier_with_new_test_centers_draws_train_then_test_then_weights_and_labels_cluster_0_against_the_rest()
    {
        using var setup = BlobClassifier.Prepare(new BlobClassifierOptions(Seed: 5, SameCenters: false));
        var (train, r1) = Blobs.Make(40, Rng.Seed(5));
        var (test, r2) = Blobs.Make(10, r1);
        var (p, _) = Init.Initialize(BlobClassifier.Spec(10), r2);
        using (train) using (test) using (p)
        {
            Assert.Equal(TensorAssert.Bytes(train.Points), TensorAssert.Bytes(setup.Data.Train.Points));
            Assert.Equal(TensorAssert.Bytes(test.Points), TensorAssert.Bytes(setup.Data.Test.Points));
            Assert.Equal(TensorAssert.Bytes(p["fc1.weight"]), TensorAssert.Bytes(setup.Initial.Params["fc1.weight"]));
            Assert.Equal(TensorAssert.Values(train.Cluster).Select(c => c == 0 ? 0.0 : 1.0), TensorAssert.Values(setup.Data.TrainLabels));
        }
        setup.Initial.Dispose();
    }

    [Fact]
    public void Blob_classifier_by_default_draws_test_points_around_the_training_centers_after_the_training_points()
    {
        using var setup = BlobClassifier.Prepare(new BlobClassifierOptions(Seed: 5));
        var (train, r1) = Blobs.Make(40, Rng.Seed(5));
        var (test, r2) = Blobs.Around(train.Centers, 10, r1, 1.5);
        var (p, _) = Init.Initialize(BlobClassifier.Spec(10), r2);
        using (train) using (test) using (p)
        {
            Assert.Equal(TensorAssert.Bytes(test.Points), TensorAssert.Bytes(setup.Data.Test.Points));
            Assert.Equal(TensorAssert.Bytes(p["fc1.weight"]), TensorAssert.Bytes(setup.Initial.Params["fc1.weight"]));
        }
        setup.Initial.Dispose();
    }

    [Fact]
    public void Blob_classifier_reports_each_epochs_losses_and_accuracy_as_computed_by_hand_from_its_weights()
    {
        using var setup = BlobClassifier.Prepare(new BlobClassifierOptions(Epochs: 5, SameCenters: true));
        var start = setup.Initial.Params.Clone(); // the loop takes the initial state over
        var events = Loop.Run(setup.Trainer, setup.Initial, setup.Plan).Select(e => { if (e is Finished f) f.State.Dispose(); return e; }).ToList();
        var steps = events.OfType<StepEvent>().ToList();
        var epochs = events.OfType<EpochEvent>().ToList();
        Assert.Equal([1, 2, 3, 4, 5], epochs.Select(e => e.Epoch));
        Assert.Equal(5, steps.Count); // one full batch per epoch

        // The same five steps by hand from the same start; after each, BCE and accuracy on the test set computed from
        // the weights with plain arithmetic (p = σ(fc2(relu(fc1 x))), −mean(y log p + (1 − y) log(1 − p)), p ≥ 0.5 ↔ 1).
        using var scope = NewDisposeScope();
        var (train, test) = (setup.Data.Train.Points, setup.Data.Test.Points);
        var labels = TensorAssert.Values(setup.Data.TestLabels);
        var state = setup.Trainer.Start(start, setup.Initial.Rng);
        for (var epoch = 0; epoch < 5; epoch++)
        {
            var stepped = setup.Trainer.Step(state, new Batch(train, setup.Data.TrainLabels));
            Assert.Equal(stepped.Log.Loss, steps[epoch].Loss); // the loop runs the same pure step
            Assert.Equal(stepped.Log.Loss, epochs[epoch].Loss); // one step: the epoch's mean is that step's loss
            state.Dispose();
            state = stepped.State;
            var p = Probabilities(state.Params, test);
            var bce = -p.Zip(labels, (q, y) => y * Math.Log(q) + (1 - y) * Math.Log(1 - q)).Average();
            var accuracy = p.Zip(labels, (q, y) => (q >= 0.5 ? 1.0 : 0.0) == y).Count(ok => ok) / (double)labels.Length;
            TensorAssert.AllClose(bce, epochs[epoch].ValLoss!.Value, $"epoch {epoch + 1}, test loss:", rtol: 1e-5);
            Assert.Equal(accuracy, epochs[epoch].Accuracy);
        }
        state.Dispose();
    }

    // The classifier's probabilities from its weights, in double arithmetic.
    private static double[] Probabilities(Params p, Tensor points)
    {
        double[,] W(string name) => ToMatrix(p[name]);
        var (w1, b1, w2, b2) = (W("fc1.weight"), TensorAssert.Values(p["fc1.bias"]), W("fc2.weight"), TensorAssert.Values(p["fc2.bias"]));
        var x = ToMatrix(points);
        var result = new double[x.GetLength(0)];
        for (var i = 0; i < result.Length; i++)
        {
            var z = b2[0];
            for (var h = 0; h < w1.GetLength(0); h++)
                z += w2[0, h] * Math.Max(0, b1[h] + w1[h, 0] * x[i, 0] + w1[h, 1] * x[i, 1]);
            result[i] = 1 / (1 + Math.Exp(-z));
        }
        return result;
    }

    private static double[,] ToMatrix(Tensor t)
    {
        var (rows, cols) = ((int)t.shape[0], (int)t.shape[1]);
        var flat = TensorAssert.Values(t);
        var m = new double[rows, cols];
        for (var i = 0; i < flat.Length; i++) m[i / cols, i % cols] = flat[i];
        return m;
    }

    [Fact]
    public void Perceptron_manual_update_and_optimizer_step_agree()
    {
        using var setup = Perceptron.Prepare(new PerceptronOptions(Seed: 3));
        using var walk = Perceptron.Walk(setup);
        Assert.Equal(new long[] { 10, 48 }, setup.Initial.Params["fc.weight"].shape);
        Assert.Equal(new long[] { 10 }, setup.Initial.Params["fc.bias"].shape);
        Assert.Equal(new long[] { 1, 10 }, walk.Output.shape);
        Assert.True(Perceptron.MaxAbsDifference(walk.ManualUpdate, walk.OptimizerUpdate) < 1e-7);
        // and the run through the loop lands on the optimizer step's weights exactly
        var finished = Loop.Run(setup.Trainer, setup.Initial, setup.Plan).OfType<Finished>().Single();
        using var final = finished.State;
        Assert.Equal(0.0, Perceptron.MaxAbsDifference(final.Params, walk.OptimizerUpdate));
    }

    private static bool Throws(Action a)
    {
        try { a(); return false; }
        catch (ArgumentException) { return true; }
    }
}
