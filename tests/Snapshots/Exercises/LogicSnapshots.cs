using Snapshooter.Xunit;
using Xunit;

namespace Functional.Snapshots.Exercises;

/// <summary>Seeded logs of the logic exercise, locked in.</summary>
public sealed class LogicSnapshots
{
    [Fact]
    public void And_defaults() => Snapshot.Match(SnapshotRun.Render("logic", "--seed", "1"));

    [Fact]
    public void Xor_with_a_single_neuron() => Snapshot.Match(SnapshotRun.Render("logic", "--gate", "xor", "--hidden", "0", "--seed", "1"));

    [Fact]
    public void Xor_with_two_hidden() => Snapshot.Match(SnapshotRun.Render("logic", "--gate", "xor", "--hidden", "2", "--seed", "1"));
}
