using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace Functional.Snapshots.Exercises;

/// <summary>Seeded runs of every exercise and its notable variants, locked in (short runs: the point is any change, not convergence).</summary>
public sealed class PerceptronSnapshots
{
    [Fact]
    public void Walkthrough() => Snapshot.Match(SnapshotRun.Render("perceptron", ["--seed", "1"], log: true, output: false));
}

public sealed class BlobsSnapshots
{
    [Fact]
    public void Defaults() => Snapshot.Match(SnapshotRun.Render("blobs", "--seed", "1"));

    [Fact]
    public void New_test_centers() => Snapshot.Match(SnapshotRun.Render("blobs", "--seed", "1", "--new-test-centers", "--epochs", "10"));
}

public sealed class RegressionSnapshots
{
    [Fact]
    public void Fit() => Snapshot.Match(SnapshotRun.Render("regression", "--preset", "fit", "--epochs", "40", "--seed", "1"));

    [Fact]
    public void Split() => Snapshot.Match(SnapshotRun.Render("regression", "--preset", "split", "--epochs", "40", "--seed", "1"));

    [Fact]
    public void Decay() => Snapshot.Match(SnapshotRun.Render("regression", "--preset", "decay", "--epochs", "40", "--seed", "1"));

    [Fact]
    public void Loader() => Snapshot.Match(SnapshotRun.Render("regression", "--preset", "loader", "--epochs", "2", "--seed", "1"));

    [Fact]
    public void Random_split() => Snapshot.Match(SnapshotRun.Render("regression", "--split", "0.8", "--split-mode", "random", "--epochs", "20", "--seed", "1"));
}

public sealed class XorSnapshots
{
    [Theory]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("relu")]
    public void Activation(string activation) =>
        Snapshot.Match(SnapshotRun.Render("xor", "--activation", activation, "--epochs", "1", "--seed", "1"), SnapshotNameExtension.Create(activation));

    [Fact]
    public void Centered() => Snapshot.Match(SnapshotRun.Render("xor", "--activation", "tanh", "--center", "--epochs", "1", "--seed", "1"));

    [Fact]
    public void Uniform_init() => Snapshot.Match(SnapshotRun.Render("xor", "--init", "uniform", "--epochs", "1", "--seed", "1"));
}

public sealed class XorExperimentsSnapshots
{
    [Fact]
    public void Small_suite() => Snapshot.Match(SnapshotRun.Render("xor-experiments",
        ["--repeats", "2", "--epochs", "3", "--max-hidden", "3", "--seed", "1"], log: false, output: true, "xor-experiments.csv"));
}

public sealed class MnistSnapshots
{
    [Fact]
    public void One_epoch_on_500_sample_images() => Snapshot.Match(SnapshotRun.Render("mnist", "--limit", "500", "--epochs", "1", "--seed", "1"));
}
