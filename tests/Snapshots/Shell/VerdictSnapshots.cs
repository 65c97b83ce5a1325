using Functional.Shell.Verdicts;
using Snapshooter.Xunit;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The verdict functions on summaries made here, one per branch a run can take (decay that helps or not, on either
/// split; outputs that round to neither class; a rate sweep with one rate in a group; a digit read wrong …): their
/// sentences locked as snapshots. The numbers are inputs made up for the branch, not results of a run. Each summary
/// also goes through the log's summary event and back, which is how a report reads it: the same sentences.
/// </summary>
public sealed class VerdictSnapshots
{
    private static string[] Said(RunSummary summary)
    {
        var lines = Summaries.Verdict(summary);
        Assert.Equal(lines, Summaries.Verdict(Summaries.Read(Summaries.Event(summary))));
        return [.. lines];
    }

    private static FitRun Fit(double decay, double train, double? val, double norm, double bending, double? lowest = null, int? at = null) =>
        new(decay, 10000, train * 1.001, train, val, lowest ?? val, at ?? (val is null ? null : 10000), norm, bending, 1, null);

    private static RegressionSummary Regression(string mode, params FitRun[] runs) =>
        new("elu", 1000, 800, 0.8, mode, null, 0.1, mode == "sequential" ? [-3, 1.799] : [-3, 3], mode == "sequential" ? [1.805, 3] : [-2.99, 2.99], runs);

    [Fact]
    public void Regression_decay_does_not_help_extrapolation() =>
        Snapshot.Match(Said(Regression("sequential", Fit(0, 0.011, 5.71, 16.3, 21.9, 0.376, 7), Fit(0.001, 0.0289, 7.56, 11.1, 15))));

    [Fact]
    public void Regression_decay_helps_between_training_points() =>
        Snapshot.Match(Said(Regression("random", Fit(0, 0.008, 0.02, 16.3, 30), Fit(0.001, 0.011, 0.012, 11.1, 18))));

    [Fact]
    public void Regression_fit_that_carries_over_to_the_unseen_end() =>
        Snapshot.Match(Said(Regression("sequential", Fit(0, 0.3, 0.36, 5, 4))));

    [Fact]
    public void Regression_without_split_in_mini_batches() =>
        Snapshot.Match(Said(new RegressionSummary("relu", 2000, 2000, null, "sequential", 64, 0.1, [-3, 3], null,
            [new FitRun(0, 2000, 0.0121, 0.0118, null, null, null, 9.4, 25, 32, 0.082)])));

    [Fact]
    public void Xor_outputs_rounding_to_neither_class() =>
        Snapshot.Match(Said(new XorSummary("tanh", true, 2, 2, 0.26, 0.78, null, 500, [], 0, [80, 50, 370], 0.5)));

    [Fact]
    public void Xor_answering_one_class_on_a_plateau() =>
        Snapshot.Match(Said(new XorSummary("sigmoid", false, 2, 30, 0.476, 0.2545, null, 500, [], 12, [0, 500, 0], 0.476)));

    [Fact]
    public void Xor_learned_after_a_plateau() =>
        Snapshot.Match(Said(new XorSummary("sigmoid", false, 2, 100, 1, 0.01, 57, 500, [52], 0, [262, 238, 0], 0.476)));

    private static SettingSummary Row(string setting, int perfect, double mean, int runs = 10) => new(setting, runs, perfect, mean, 0.1, 0.1, 0.05);

    [Fact]
    public void Suite_experiment_2_alone_against_its_baseline() =>
        Snapshot.Match(Said(new SuiteSummary(10, 100, 2, 42, 8,
        [
            new ExperimentSummary(1, "activation (default init, {0,1} data)", [Row("sigmoid", 6, 0.857), Row("tanh", 9, 0.95), Row("relu", 3, 0.6)]),
            new ExperimentSummary(2, "activation with uniform(-1,1) init", [Row("sigmoid", 7, 0.872), Row("tanh", 7, 0.9), Row("relu", 4, 0.41)]),
        ])));

    [Fact]
    public void Suite_experiments_3_to_6()
    {
        SettingSummary Rate(double lr, string verdict, int? first) =>
            new($"lr {lr}", 1, verdict == "learns" ? 1 : 0, verdict == "learns" ? 1 : 0.5, 0, 0.1, 0, Lr: lr, FirstPerfectEpoch: first, Verdict: verdict);
        SettingSummary Width(int inputs, int hidden, int perfect) => new($"inputs {inputs}, hidden {hidden}", 10, perfect, perfect / 10.0, 0.1, 0.1, 0.05, Inputs: inputs, Hidden: hidden);
        SettingSummary Seed(int seed, int[] ends, double accuracy) => new($"seed {seed}", 1, accuracy >= 1 ? 1 : 0, accuracy, 0, 0.1, 0, PlateauEnds: ends);
        Snapshot.Match(Said(new SuiteSummary(10, 100, null, 7, 3,
        [
            new ExperimentSummary(1, "activation (default init, {0,1} data)", [Row("sigmoid", 6, 0.857), Row("tanh", 9, 0.95), Row("relu", 3, 0.6)]),
            new ExperimentSummary(3, "activation with centered {-1,1} data", [Row("sigmoid", 10, 1), Row("tanh", 9, 0.96), Row("relu", 0, 0.19)]),
            new ExperimentSummary(4, "termination", [Seed(1, [34], 1), Seed(2, [49, 80], 1), Seed(3, [], 0.554)]),
            new ExperimentSummary(5, "learning rate (tanh, centered, one seed: 7)",
                [Rate(0.0001, "too slow", null), Rate(0.000178, "learns", 58), Rate(0.000316, "learns", 30), Rate(0.01, "learns", 1), Rate(0.0178, "learns", 1)]),
            new ExperimentSummary(6, "parity", [Width(3, 1, 0), Width(3, 2, 6), Width(3, 3, 9), Width(4, 1, 0), Width(4, 2, 2), Width(4, 3, 5), Width(5, 1, 0), Width(5, 2, 0), Width(5, 3, 1)]),
        ])));
    }

    private static readonly double[][] Rows = [[0, 0], [0, 1], [1, 0], [1, 1]];

    [Fact]
    public void Logic_single_neuron_learning_and() =>
        Snapshot.Match(Said(new LogicSummary("and", 0, "relu", Rows, [0, 0, 0, 1], [-0.2, 0.3, 0.3, 0.8],
            [new NamedValues("l1.weight", [1, 2], [0.5, 0.5]), new NamedValues("l1.bias", [1], [-0.2])])));

    [Fact]
    public void Logic_xor_not_learned_with_both_units_alive() =>
        Snapshot.Match(Said(new LogicSummary("xor", 2, "relu", Rows, [0, 1, 1, 0], [0.5, 0.5, 0.5, 0.5],
            [new NamedValues("l1.weight", [2, 2], [1, 1, -1, 1]), new NamedValues("l1.bias", [2], [0.5, 0.5]),
             new NamedValues("l2.weight", [1, 2], [0.1, 0.1]), new NamedValues("l2.bias", [1], [0.3])])));

    [Fact]
    public void Mnist_reading_the_shown_digit_wrong() =>
        Snapshot.Match(Said(new MnistSummary(8000,
            [.. Enumerable.Range(0, 10).Select(t => Enumerable.Range(0, 10).Select(p => p == t ? 180 + t : (t, p) is (4, 9) ? 12 : (t, p) is (7, 2) ? 5 : 0).ToArray())],
            new ShownDigit(8, 8, [.. Enumerable.Range(0, 10).Select(d => d == 3 ? 0.6 : d == 8 ? 0.3 : 0.0125)]))));

    [Fact]
    public void Blobs_with_new_test_centres_and_a_centre_on_the_wrong_side() =>
        Snapshot.Match(Said(new BlobsSummary(40, 10, false, 0.9, 0.75, 36, 4, [[5.15, -4.41], [-1.94, 4.69], [-9.41, 6]], [0.2, 0.3, 0.99])));

    [Fact]
    public void Perceptron_updates_equal_to_the_bit() =>
        Snapshot.Match(Said(new PerceptronSummary("fc", [1, 4], [2, 4], [2], [1, 2], [0.6, 0.4], [0.5, 0.5], 0.01, [0.024, -0.024], 0.01, 0)));
}
