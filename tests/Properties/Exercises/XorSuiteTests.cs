using System.Text.Json.Nodes;
using Functional.Training;
using Functional.Training.Exercises;
using Xunit;

namespace Functional.Properties.Exercises;

/// <summary>
/// The XOR suite as a value: recorded stage by stage it gives what <see cref="XorExperiments.Run"/> gives, and its
/// encoded form (what a checkpoint stores) reads back to the same suite, so a resumed suite's results are the same bits.
/// </summary>
public sealed class XorSuiteTests
{
    // Experiment 5 alone: one stage of 21 runs, five of which diverge (NaN losses must survive the round trip).
    private static readonly XorSuiteOptions Options = new(Repeats: 1, Epochs: 2, Only: 5);

    private static (List<XorSuite> AfterEachEpoch, IReadOnlyList<ExperimentResult> Results) Train(XorSuiteOptions options)
    {
        var suite = XorSuite.Start(options);
        var snapshots = new List<XorSuite> { suite };
        using (var setup = suite.Prepare())
            foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
            {
                if (e is MemberEpochEvent epoch) snapshots.Add(suite = suite.Record(epoch));
                if (e is Finished f) f.State.Dispose();
            }
        var (next, results) = suite.CompleteStage();
        Assert.True(next.Done);
        return (snapshots, results);
    }

    private static void AssertSameResults(IReadOnlyList<ExperimentResult> expected, IReadOnlyList<ExperimentResult> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Experiment, a.Experiment);
            Assert.Equal(e.Rows, a.Rows); // records of numbers and text: compared value by value (NaN equals NaN)
            Assert.Equal(e.Runs.Select(r => (r.Member, r.TrainLoss, r.TestLoss, r.Accuracy)), a.Runs.Select(r => (r.Member, r.TrainLoss, r.TestLoss, r.Accuracy)));
        }
    }

    [Fact]
    public void Recorded_stage_by_stage_it_gives_the_suites_results()
    {
        var (_, results) = Train(Options);
        var run = XorExperiments.Run(Options).OfType<ExperimentDone>().Select(d => d.Result).ToList();
        AssertSameResults(run, results);
        Assert.Contains(results[0].Rows, r => r.Diverged == true);
    }

    [Fact]
    public void Its_encoded_form_reads_back_to_the_same_suite_after_any_epoch()
    {
        var (snapshots, results) = Train(Options);
        for (var epoch = 0; epoch < snapshots.Count; epoch++)
        {
            var decoded = XorSuite.Decode(Options, snapshots[epoch].Encode(), new Position(epoch + 1, 0));
            Assert.Equal(snapshots[epoch].Encode(), decoded.Encode());
            Assert.Equal(epoch, decoded.History[0].Epochs);
            Assert.Equal(snapshots[epoch].StepsDone, decoded.StepsDone);
        }
        // The last one, decoded, completes to the same results, bit for bit (NaN losses of the diverged runs included).
        var last = XorSuite.Decode(Options, snapshots[^1].Encode(), new Position(Options.Epochs + 1, 0));
        AssertSameResults(results, last.CompleteStage().Results);
    }

    [Fact]
    public void A_stage_that_does_not_fit_the_options_or_the_position_is_refused()
    {
        var (snapshots, _) = Train(Options);
        var text = snapshots[1].Encode();
        var oneValueShort = JsonNode.Parse(text)!;
        oneValueShort["history"]![0]!["train_loss"]![0]!.AsArray().RemoveAt(0);
        Assert.Contains("should hold 1 epochs of 21 members' values",
            Assert.Throws<InvalidDataException>(() => XorSuite.Decode(Options, oneValueShort.ToJsonString(), new Position(2, 0))).Message);
        Assert.Contains("should hold 2 epochs", Assert.Throws<InvalidDataException>(() => XorSuite.Decode(Options, text, new Position(3, 0))).Message);
        Assert.Contains("does not parse", Assert.Throws<InvalidDataException>(() => XorSuite.Decode(Options, "{not json", new Position(2, 0))).Message);
        Assert.Contains("this run has 6", Assert.Throws<InvalidDataException>(() => XorSuite.Decode(Options with { Only = 6 }, text, new Position(2, 0))).Message);
    }

    [Fact]
    public void Record_takes_the_epochs_in_order()
    {
        var suite = XorSuite.Start(Options);
        var members = suite.MembersOf(0).Count;
        double[] values = [.. Enumerable.Repeat(0.5, members)];
        var once = suite.Record(new MemberEpochEvent(1, values, values, values));
        Assert.Throws<ArgumentException>(() => once.Record(new MemberEpochEvent(1, values, values, values)));
        Assert.Throws<ArgumentException>(() => suite.Record(new MemberEpochEvent(1, values))); // no test loss or accuracy
        Assert.Throws<InvalidOperationException>(() => once.CompleteStage()); // one of two epochs recorded
    }
}
