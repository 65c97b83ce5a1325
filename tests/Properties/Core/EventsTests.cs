using Functional.Model;
using Functional.Training;
using Xunit;

namespace Functional.Properties.Core;

/// <summary>
/// The events and positions a run yields are values: equal when every field is, the per-member lists compared element
/// by element (never by reference), so logs and resumed runs compare as the tests and checkpoints need.
/// </summary>
public sealed class EventsTests
{
    private static void AssertValueEquality<T>(T value, T equal, params T[] different) where T : notnull
    {
        Assert.Equal(value, equal);
        Assert.True(value.Equals((object)equal));
        Assert.Equal(value.GetHashCode(), equal.GetHashCode());
        foreach (var other in different)
        {
            Assert.NotEqual(value, other);
            Assert.NotEqual(other, value);
            Assert.NotEqual(value.GetHashCode(), other.GetHashCode());
        }
        Assert.False(value.Equals(null));
    }

    [Fact]
    public void Positions_compare_by_epoch_batch_loss_sum_and_each_members_sum()
    {
        var p = new Position(2, 3, 1.5) { MemberLossSums = [1.0, 2.0] };
        AssertValueEquality(p, new Position(2, 3, 1.5) { MemberLossSums = new List<double> { 1.0, 2.0 } },
            p with { Epoch = 1 }, p with { Batch = 4 }, p with { EpochLossSum = 1.25 }, p with { MemberLossSums = [1.0, 2.5] },
            p with { MemberLossSums = [1.0] }, p with { MemberLossSums = null });
        AssertValueEquality(new Position(1, 0), Position.Start, new Position(1, 0) { MemberLossSums = [] });
    }

    [Fact]
    public void Step_events_compare_by_position_loss_and_each_members_loss()
    {
        var s = new StepEvent(1, 2, 0.5) { MemberLosses = [0.25, 0.75] };
        AssertValueEquality(s, new StepEvent(1, 2, 0.5) { MemberLosses = new List<double> { 0.25, 0.75 } },
            s with { Epoch = 2 }, s with { Batch = 3 }, s with { Loss = 0.625 }, s with { MemberLosses = [0.25, 0.5] }, s with { MemberLosses = null });
    }

    [Fact]
    public void Member_epoch_events_compare_every_list_element_by_element()
    {
        var e = new MemberEpochEvent(3, [0.5, 0.25], [0.75, 1.0], [0.5, 1.0]);
        AssertValueEquality(e, new MemberEpochEvent(3, new List<double> { 0.5, 0.25 }, new List<double> { 0.75, 1.0 }, new List<double> { 0.5, 1.0 }),
            e with { Epoch = 4 }, e with { Loss = [0.5, 0.5] }, e with { ValLoss = [0.75, 0.5] }, e with { Accuracy = [0.5, 0.0] },
            e with { ValLoss = null }, e with { Accuracy = null });
    }

    [Fact]
    public void Member_evaluations_compare_element_by_element()
    {
        var m = new Evaluation.OfMembers([0.5, 0.25], [1.0, 0.0]);
        AssertValueEquality(m, new Evaluation.OfMembers(new List<double> { 0.5, 0.25 }, new List<double> { 1.0, 0.0 }),
            m with { Loss = [0.5] }, m with { Accuracy = [1.0, 1.0] }, m with { Loss = null }, m with { Accuracy = null });
        AssertValueEquality(new Evaluation.OfMembers(null, null), new Evaluation.OfMembers(null, null), m);
    }

    [Fact]
    public void Stop_reasons_and_epoch_events_are_plain_values()
    {
        Assert.Equal(new StopReason.Diverged(1.5), new StopReason.Diverged(1.5));
        Assert.NotEqual(new StopReason.Diverged(1.5), new StopReason.Diverged(null));
        Assert.NotEqual<StopReason>(new StopReason.Completed(), new StopReason.Cancelled());
        Assert.Equal(new EpochEvent(1, 0.5, null, 0.75), new EpochEvent(1, 0.5, Accuracy: 0.75));
    }
}
