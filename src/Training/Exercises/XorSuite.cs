using System.Text.Json;
using System.Text.Json.Serialization;
using Functional.Training.Ensembles;

namespace Functional.Training.Exercises;

/// <summary>One stage's per-epoch member values so far, each row [member] for one epoch (from epoch 1).</summary>
public sealed record StageHistory(ImmutableList<IReadOnlyList<double>> TrainLoss, ImmutableList<IReadOnlyList<double>> TestLoss,
    ImmutableList<IReadOnlyList<double>> Accuracy)
{
    /// <summary>No epoch yet.</summary>
    public static StageHistory Empty { get; } = new([], [], []);

    /// <summary>Epochs recorded.</summary>
    public int Epochs => TrainLoss.Count;
}

/// <summary>
/// The XOR experiment suite as a value: its options, the stage being trained (an index into
/// <see cref="XorExperiments.Groups"/>: each stage is one ensemble) and every stage's per-epoch member values so far.
/// Immutable: <see cref="Record"/> and <see cref="CompleteStage"/> return the next value. Its <see cref="Encode"/>d form
/// is what a checkpoint stores besides the training state, so a suite resumes exactly: earlier stages' results are
/// recomputed from their recorded values, bit for bit.
/// </summary>
public sealed class XorSuite
{
    private XorSuite(XorSuiteOptions options, int stage, ImmutableList<StageHistory> history)
    {
        Options = options;
        Groups = XorExperiments.Groups(options);
        Stage = stage;
        History = history;
    }

    /// <summary>The suite's options (validated).</summary>
    public XorSuiteOptions Options { get; }

    /// <summary>The experiment groups, one ensemble (stage) each.</summary>
    public IReadOnlyList<int[]> Groups { get; }

    /// <summary>The stage being trained (from 0); equal to the number of groups once the suite is done.</summary>
    public int Stage { get; }

    /// <summary>Per stage so far (finished stages and the current one), its recorded epochs.</summary>
    public ImmutableList<StageHistory> History { get; }

    /// <summary>Whether every stage is trained.</summary>
    public bool Done => Stage >= Groups.Count;

    /// <summary>The suite before any training.</summary>
    public static XorSuite Start(XorSuiteOptions options) => new(options.Validate(), 0, [StageHistory.Empty]);

    /// <summary>The runs of stage <paramref name="stage"/>, in member order.</summary>
    public IReadOnlyList<SuiteMember> MembersOf(int stage) => [.. Groups[stage].SelectMany(n => XorExperiments.Members(Options, n))];

    /// <summary>What the current stage trains, e.g. <c>experiments 1,2,3,4,5 (41 runs)</c>.</summary>
    public string StageLabel => Done ? "done" : Label(Stage);

    /// <summary>Optimizer steps of the whole suite (each ensemble step counts once).</summary>
    public long TotalSteps => (long)Groups.Count * Options.Epochs * Xor.TrainBatches;

    /// <summary>Optimizer steps of the epochs recorded so far.</summary>
    public long StepsDone => ((long)Math.Min(Stage, Groups.Count) * Options.Epochs + (Done ? 0 : History[Stage].Epochs)) * Xor.TrainBatches;

    /// <summary>The current stage's ensemble, ready to train (its data and layout belong to the caller, who disposes them).</summary>
    public Prepared<EnsembleTrainer, XorEnsembleData> Prepare()
    {
        RequireTraining();
        return XorEnsemble.Prepare([.. MembersOf(Stage).Select(m => m.Options)]);
    }

    /// <summary>The suite with the current stage's next epoch recorded (its per-member train loss, test loss and accuracy).</summary>
    public XorSuite Record(MemberEpochEvent e)
    {
        RequireTraining();
        var h = History[Stage];
        if (e.Epoch != h.Epochs + 1) throw new ArgumentException($"expected epoch {h.Epochs + 1} of stage {Stage + 1}, got epoch {e.Epoch}");
        if (e.ValLoss is not { } test || e.Accuracy is not { } accuracy) throw new ArgumentException("the suite needs each epoch's test loss and accuracy");
        var next = new StageHistory(h.TrainLoss.Add([.. e.Loss]), h.TestLoss.Add([.. test]), h.Accuracy.Add([.. accuracy]));
        return new XorSuite(Options, Stage, History.SetItem(Stage, next));
    }

    /// <summary>The suite moved on to the next stage, and the results of the stage just finished (all its epochs recorded).</summary>
    public (XorSuite Next, IReadOnlyList<ExperimentResult> Results) CompleteStage()
    {
        RequireTraining();
        if (History[Stage].Epochs != Options.Epochs)
            throw new InvalidOperationException($"stage {Stage + 1} has {History[Stage].Epochs} of its {Options.Epochs} epochs recorded");
        var results = ResultsOf(Stage);
        var history = Stage + 1 < Groups.Count ? History.Add(StageHistory.Empty) : History;
        return (new XorSuite(Options, Stage + 1, history), results);
    }

    /// <summary>The experiments of a finished stage, computed from its recorded values.</summary>
    public IReadOnlyList<ExperimentResult> ResultsOf(int stage)
    {
        var h = History[stage];
        var members = MembersOf(stage);
        var runs = members.Select((m, k) => new MemberResult(m, Column(h.TrainLoss, k), Column(h.TestLoss, k), Column(h.Accuracy, k))).ToList();
        return [.. Groups[stage].Select(n => XorExperiments.Summarize(n, Options, [.. runs.Where(r => r.Member.Experiment == n)]))];
    }

    /// <summary>The suite as text (JSON; numbers round-trip exactly, NaN and infinities included), for a checkpoint.</summary>
    public string Encode() => JsonSerializer.Serialize(
        new Stored(Stage, [.. Groups], [.. History.Select(h => new StoredStage([.. h.TrainLoss.Select(r => r.ToArray())], [.. h.TestLoss.Select(r => r.ToArray())],
            [.. h.Accuracy.Select(r => r.ToArray())]))]), Json);

    /// <summary>
    /// Reads <see cref="Encode"/>'s text back for <paramref name="options"/>, checking it fits them and the checkpoint's
    /// position <paramref name="next"/> (epochs recorded = epochs before <paramref name="next"/>). Anything that does not
    /// fit is an <see cref="InvalidDataException"/> with one line.
    /// </summary>
    public static XorSuite Decode(XorSuiteOptions options, string text, Position next)
    {
        Stored stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(text, Json) ?? throw new InvalidDataException("the suite's stage is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the suite's stage does not parse ({e.Message})");
        }
        var suite = Start(options);
        var groups = suite.Groups;
        string Text(IEnumerable<int[]> g) => string.Join(" + ", g.Select(x => string.Join(",", x)));
        if (stored.Groups is null || stored.History is null || stored.Groups.Length != groups.Count || !stored.Groups.Zip(groups).All(p => p.First.SequenceEqual(p.Second)))
            throw new InvalidDataException($"the suite's stage is for experiments {Text(stored.Groups ?? [])}, this run has {Text(groups)}");
        if (stored.Stage < 0 || stored.Stage >= groups.Count || stored.History.Length != stored.Stage + 1)
            throw new InvalidDataException($"the suite's stage {stored.Stage} does not fit its {stored.History.Length} recorded stages");
        var history = ImmutableList.CreateBuilder<StageHistory>();
        for (var s = 0; s <= stored.Stage; s++)
        {
            var h = stored.History[s];
            var epochs = s < stored.Stage ? options.Epochs : Math.Min(next.Epoch - 1, options.Epochs);
            var members = suite.MembersOf(s).Count;
            foreach (var rows in new[] { h.TrainLoss, h.TestLoss, h.Accuracy })
                if (rows is null || rows.Length != epochs || rows.Any(r => r is null || r.Length != members))
                    throw new InvalidDataException($"stage {s + 1} of the suite should hold {epochs} epochs of {members} members' values, and does not");
            history.Add(new StageHistory([.. h.TrainLoss!], [.. h.TestLoss!], [.. h.Accuracy!]));
        }
        return new XorSuite(suite.Options, stored.Stage, history.ToImmutable());
    }

    private string Label(int stage)
    {
        var group = Groups[stage];
        return $"experiment{(group.Length > 1 ? "s" : "")} {string.Join(",", group)} ({MembersOf(stage).Count} runs)";
    }

    private void RequireTraining()
    {
        if (Done) throw new InvalidOperationException("the suite is done: every stage is trained");
    }

    private static double[] Column(IEnumerable<IReadOnlyList<double>> rows, int k) => [.. rows.Select(r => r[k])];

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private sealed record Stored(int Stage, int[][]? Groups, StoredStage[]? History);

    private sealed record StoredStage(double[][]? TrainLoss, double[][]? TestLoss, double[][]? Accuracy);
}
