using System.Globalization;
using Functional.Training.Data;
using Functional.Training.Analysis;
using Functional.Training.Ensembles;

namespace Functional.Training.Exercises;

/// <summary>Options of the XOR experiment suite.</summary>
/// <param name="Repeats">Seeds per configuration (<c>Seed</c>, <c>Seed</c>+1, …).</param>
/// <param name="Epochs">Epochs of every run.</param>
/// <param name="Lr">Learning rate of experiments 1–4 and 6.</param>
/// <param name="Seed">First seed of the repeats.</param>
/// <param name="Only">Run only this experiment (1–6); null runs all.</param>
/// <param name="SweepSeed">Seed of the learning-rate sweep (experiment 5).</param>
/// <param name="MaxHidden">Largest hidden width the parity bonus tries.</param>
/// <param name="Data">The stream every run's data come from (<see cref="XorOptions.Data"/>).</param>
public sealed record XorSuiteOptions(int Repeats = 10, int Epochs = 100, double Lr = 0.01, long Seed = 1, int? Only = null,
    long SweepSeed = 42, int MaxHidden = 6, XorDataStream Data = XorDataStream.Python)
{
    /// <summary>The learning rates of experiment 5: four per decade from 1e-4 to 10.</summary>
    public static IReadOnlyList<double> SweepRates { get; } =
        [.. Enumerable.Range(0, 21).Select(i => double.Parse(Math.Pow(10, -4 + i / 4.0).ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))];

    /// <summary>Input sizes of the parity bonus (experiment 6).</summary>
    public static IReadOnlyList<int> ParityInputs { get; } = [3, 4, 5];

    /// <summary>Returns this, or throws an <see cref="OptionError"/> naming the first option out of range.</summary>
    public XorSuiteOptions Validate()
    {
        Require.Between(nameof(Repeats), Repeats, 1, Limits.Repeats);
        Require.Positive(nameof(Epochs), Epochs);
        Require.PositiveNumber(nameof(Lr), Lr);
        Require.Between(nameof(Only), Only, 1, 6);
        Require.Between(nameof(MaxHidden), MaxHidden, 1, Limits.SuiteHidden);
        // Experiment 6 trains every input size × width × repeat at once: its ensemble's size is what costs memory.
        var perWidth = ParityInputs.Count * Repeats;
        if (Runs(6) && perWidth * MaxHidden > Limits.EnsembleRuns)
            throw new OptionError(nameof(MaxHidden), MaxHidden,
                $"at most {Limits.EnsembleRuns / perWidth} with {Repeats} repeats (experiment 6 trains {ParityInputs.Count} input sizes × each width × each repeat as one ensemble of at most {Limits.EnsembleRuns} runs)");
        Require.Defined(nameof(Data), Data);
        return this;
    }

    /// <summary>
    /// The options a resumed suite must share with its checkpoint: every one, <see cref="Epochs"/> included (a suite's
    /// recorded values are per epoch of its stages, so a suite cannot be trained further).
    /// </summary>
    public ImmutableSortedDictionary<string, string> MustMatchOnResume() => ResumeOptions.Of(
        (nameof(Repeats), Repeats), (nameof(Epochs), Epochs), (nameof(Lr), Lr), (nameof(Seed), Seed), (nameof(Only), Only),
        (nameof(SweepSeed), SweepSeed), (nameof(MaxHidden), MaxHidden), (nameof(Data), Data));

    /// <summary>Whether experiment <paramref name="n"/> is part of this run.</summary>
    public bool Runs(int n) => Only is null || Only == n;
}

/// <summary>One run of the suite: which experiment and setting it belongs to, and its options.</summary>
public sealed record SuiteMember(int Experiment, string Setting, XorOptions Options);

/// <summary>What one run gave: per-epoch train loss, test loss and accuracy, and the derived verdicts.</summary>
public sealed record MemberResult(SuiteMember Member, double[] TrainLoss, double[] TestLoss, double[] Accuracy)
{
    /// <summary>Test accuracy after the last epoch.</summary>
    public double FinalAccuracy => Accuracy.Length > 0 ? Accuracy[^1] : double.NaN;
    /// <summary>Test loss after the last epoch.</summary>
    public double FinalTestLoss => TestLoss.Length > 0 ? TestLoss[^1] : double.NaN;
    /// <summary>The first epoch (from 1) with 100% test accuracy, if any.</summary>
    public int? FirstPerfectEpoch => Array.FindIndex(Accuracy, a => a >= 1.0) is var i && i >= 0 ? i + 1 : null;
    /// <summary>Whether the run diverged (<see cref="Curves.Diverged"/> on the train loss).</summary>
    public bool Diverged => Curves.Diverged(TrainLoss);
}

/// <summary>
/// One row of a result table. For experiments 1–3 and 6, statistics over repeats; for 4 and 5, one row per run
/// (<see cref="Runs"/> = 1). Accuracy is the final test accuracy (0–1); loss the final test loss.
/// </summary>
public sealed record SuiteRow(int Experiment, string Setting, int Runs, double AccuracyMean, double AccuracyStd, int Perfect,
    double LossMean, double LossStd)
{
    /// <summary>Experiment 5: first epoch with 100% accuracy; experiment 4: the epochs at which plateaus end (text).</summary>
    public string Detail { get; init; } = "";
    /// <summary>Experiment 5: whether the run diverged.</summary>
    public bool? Diverged { get; init; }
    /// <summary>Experiment 5: learns / too slow / diverges.</summary>
    public string? Verdict { get; init; }
}

/// <summary>Everything one experiment produced: its table rows, its conclusions as sentences, and the runs behind them.</summary>
public sealed record ExperimentResult(int Experiment, string Title, IReadOnlyList<SuiteRow> Rows, IReadOnlyList<string> Notes, IReadOnlyList<MemberResult> Runs);

/// <summary>What the suite reports as it goes.</summary>
public abstract record SuiteEvent;

/// <summary>Progress in optimizer steps (of the whole suite); each ensemble step counts once.</summary>
public sealed record SuiteProgress(long Done, long Total, string Stage) : SuiteEvent;

/// <summary>An experiment finished; its results are final.</summary>
public sealed record ExperimentDone(ExperimentResult Result) : SuiteEvent;

/// <summary>The suite stopped: completed, or cancelled (with the experiments done so far already reported).</summary>
public sealed record SuiteFinished(bool Cancelled) : SuiteEvent;

/// <summary>
/// The XOR tutorial's experiments, every run of a group trained at once as one ensemble (<see cref="XorEnsemble"/>):
/// 1 activations; 2 the same with U(−1, 1) init; 3 the same with centered data; 4 where sigmoid's loss plateaus end;
/// 5 a learning-rate sweep (tanh, centered, one seed); 6 parity of 3, 4, 5 inputs: the smallest hidden width that learns.
/// Experiments 1–5 (all 2-2-1) form one ensemble, experiment 6 (3–5 inputs, 1…MaxHidden hidden) another.
/// </summary>
public static class XorExperiments
{
    /// <summary>Titles of the experiments, by number.</summary>
    public static IReadOnlyDictionary<int, string> Titles { get; } = new Dictionary<int, string>
    {
        [1] = "activation (default init, {0,1} data)",
        [2] = "activation with uniform(-1,1) init",
        [3] = "activation with centered {-1,1} data",
        [4] = "termination: where sigmoid's loss plateaus end",
        [5] = "learning rate (tanh, centered, one seed)",
        [6] = "bonus: parity of N inputs, smallest hidden width",
    };

    /// <summary>The runs of experiment <paramref name="n"/>.</summary>
    public static IReadOnlyList<SuiteMember> Members(XorSuiteOptions o, int n)
    {
        var seeds = Enumerable.Range(0, o.Repeats).Select(r => o.Seed + r).ToArray();
        var basic = new XorOptions(Lr: o.Lr, Epochs: o.Epochs, Data: o.Data);
        IEnumerable<SuiteMember> members = n switch
        {
            1 => from a in XorOptions.Activations from s in seeds select new SuiteMember(1, a, basic with { Activation = a, Seed = s }),
            2 => from a in XorOptions.Activations from s in seeds select new SuiteMember(2, a, basic with { Activation = a, Init = "uniform", Seed = s }),
            3 => from a in XorOptions.Activations from s in seeds select new SuiteMember(3, a, basic with { Activation = a, Center = true, Seed = s }),
            4 => from s in seeds select new SuiteMember(4, $"seed {s}", basic with { Activation = "sigmoid", Seed = s }),
            5 => from lr in XorSuiteOptions.SweepRates
                 select new SuiteMember(5, $"lr {lr.ToString("G3", CultureInfo.InvariantCulture)}", basic with { Activation = "tanh", Center = true, Lr = lr, Seed = o.SweepSeed }),
            6 => from i in XorSuiteOptions.ParityInputs from h in Enumerable.Range(1, o.MaxHidden) from s in seeds
                 select new SuiteMember(6, $"inputs {i}, hidden {h}", basic with { Activation = "tanh", Center = true, Inputs = i, Hidden = h, Seed = s }),
            _ => throw new ArgumentException($"no experiment {n}"),
        };
        return [.. members];
    }

    /// <summary>The groups trained as one ensemble each: experiments 1–5, then 6 (only those <paramref name="o"/> runs).</summary>
    public static IReadOnlyList<int[]> Groups(XorSuiteOptions o) =>
        [.. new[] { new[] { 1, 2, 3, 4, 5 }, [6] }.Select(g => g.Where(o.Runs).ToArray()).Where(g => g.Length > 0)];

    /// <summary>
    /// Runs the suite, yielding progress and each experiment's result as soon as its group is trained. Cancellation is
    /// checked between steps; a cancelled suite still reports the experiments finished before, then
    /// <see cref="SuiteFinished"/> with Cancelled set. (A caller that checkpoints drives the same <see cref="XorSuite"/>
    /// stage by stage instead, saving its encoded form with each stage's state: that makes a suite resumable.)
    /// </summary>
    public static IEnumerable<SuiteEvent> Run(XorSuiteOptions options, CancellationToken cancel = default)
    {
        var suite = XorSuite.Start(options);
        while (!suite.Done)
        {
            yield return new SuiteProgress(suite.StepsDone, suite.TotalSteps, suite.StageLabel);
            StopReason? stop = null;
            using (var setup = suite.Prepare())
            {
                foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan, cancel))
                {
                    if (e is MemberEpochEvent epoch)
                    {
                        suite = suite.Record(epoch);
                        yield return new SuiteProgress(suite.StepsDone, suite.TotalSteps, suite.StageLabel);
                    }
                    else if (e is Finished f)
                    {
                        f.State.Dispose();
                        stop = f.Reason;
                    }
                }
            }
            if (stop is not StopReason.Completed)
            {
                yield return new SuiteFinished(true);
                yield break;
            }
            (suite, var results) = suite.CompleteStage();
            foreach (var r in results) yield return new ExperimentDone(r);
        }
        yield return new SuiteFinished(false);
    }

    /// <summary>The rows and conclusions of experiment <paramref name="n"/> from its runs.</summary>
    public static ExperimentResult Summarize(int n, XorSuiteOptions o, IReadOnlyList<MemberResult> runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var rows = new List<SuiteRow>();
        var notes = new List<string>();
        switch (n)
        {
            case 1 or 2 or 3:
                foreach (var g in runs.GroupBy(r => r.Member.Setting))
                    rows.Add(Stats(n, g.Key, [.. g]));
                var best = rows.OrderByDescending(r => r.Perfect).ThenByDescending(r => r.AccuracyMean).FirstOrDefault();
                if (best is not null)
                    notes.Add(string.Format(inv, "best: {0} ({1}/{2} runs reach 100% test accuracy)", best.Setting, best.Perfect, best.Runs));
                break;
            case 4:
                var allEnds = new List<int>();
                foreach (var r in runs)
                {
                    var ends = Curves.PlateauEnds(r.TrainLoss);
                    allEnds.AddRange(ends.Take(1));
                    rows.Add(Single(n, r.Member.Setting, r) with { Detail = ends.Count == 0 ? "no plateau end" : "plateau ends at epoch " + string.Join(", ", ends) });
                }
                var stuck = runs.Count(r => Curves.PlateauEnds(r.TrainLoss).Count == 0 && r.FinalAccuracy < 1);
                notes.Add(allEnds.Count == 0
                    ? "no plateau ended within the epochs run"
                    : string.Format(inv, "{0}/{1} runs left a plateau, at epochs {2}–{3} (median {4}); {5} still stuck after {6} epochs: a flat loss is no reason to stop",
                        allEnds.Count, runs.Count, allEnds.Min(), allEnds.Max(), Median(allEnds), stuck, o.Epochs));
                break;
            case 5:
                foreach (var r in runs.OrderBy(r => r.Member.Options.Lr))
                {
                    var verdict = Verdict(r);
                    rows.Add(Single(n, r.Member.Setting, r) with
                    {
                        Detail = r.FirstPerfectEpoch is { } f ? $"100% from epoch {f}" : "never 100%",
                        Diverged = r.Diverged,
                        Verdict = verdict,
                    });
                }
                foreach (var verdict in new[] { "learns", "too slow", "diverges" })
                {
                    var rates = rows.Where(r => r.Verdict == verdict).Select(r => r.Setting[3..]).ToList();
                    notes.Add(rates.Count == 0 ? $"{verdict}: none" : $"{verdict}: lr {rates[0]} … {rates[^1]} ({rates.Count} rates)");
                }
                break;
            case 6:
                foreach (var g in runs.GroupBy(r => (r.Member.Options.Inputs, r.Member.Options.Hidden)))
                    rows.Add(Stats(n, $"inputs {g.Key.Inputs}, hidden {g.Key.Hidden}", [.. g]));
                foreach (var inputs in XorSuiteOptions.ParityInputs)
                {
                    var smallest = runs.Where(r => r.Member.Options.Inputs == inputs).GroupBy(r => r.Member.Options.Hidden)
                        .Where(g => 2 * g.Count(r => r.FinalAccuracy >= 1) > g.Count()).Select(g => g.Key).Order().FirstOrDefault();
                    notes.Add(smallest > 0
                        ? $"inputs {inputs}: smallest hidden width reaching 100% in most repeats: {smallest}"
                        : $"inputs {inputs}: no hidden width up to {o.MaxHidden} reaches 100% in most repeats");
                }
                break;
        }
        return new ExperimentResult(n, Titles[n], rows, notes, runs);
    }

    /// <summary>Experiment 5's reading of a run: diverges (<see cref="MemberResult.Diverged"/>), learns (100% test accuracy at the end), or too slow.</summary>
    public static string Verdict(MemberResult r) => r.Diverged ? "diverges" : r.FinalAccuracy >= 1 ? "learns" : "too slow";

    private static SuiteRow Stats(int n, string setting, IReadOnlyList<MemberResult> runs)
    {
        var (am, asd) = MeanStd(runs.Select(r => r.FinalAccuracy));
        var (lm, lsd) = MeanStd(runs.Select(r => r.FinalTestLoss));
        return new SuiteRow(n, setting, runs.Count, am, asd, runs.Count(r => r.FinalAccuracy >= 1), lm, lsd);
    }

    private static SuiteRow Single(int n, string setting, MemberResult r) =>
        new(n, setting, 1, r.FinalAccuracy, 0, r.FinalAccuracy >= 1 ? 1 : 0, r.FinalTestLoss, 0);

    /// <summary>Mean and sample standard deviation (0 for a single value).</summary>
    public static (double Mean, double Std) MeanStd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN);
        var mean = v.Average();
        var std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return (mean, std);
    }

    private static double Median(List<int> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2.0;
    }
}
