using Functional.Training.Analysis;

namespace Functional.Shell.Verdicts;

/// <summary>
/// One row of an XOR experiment: a setting's statistics over its runs (experiments 1–3, 6) or one run (4, 5), with what
/// each experiment's verdict reads: its learning rate (5), its input and hidden sizes (6), the epochs where its loss
/// left a plateau (4), its first epoch at 100 % and its verdict (5).
/// </summary>
internal sealed record SettingSummary(string Setting, int Runs, int Perfect, double AccuracyMean, double AccuracyStd, double LossMean, double LossStd,
    double? Lr = null, int? Inputs = null, int? Hidden = null, int[]? PlateauEnds = null, int? FirstPerfectEpoch = null, string? Verdict = null);

/// <summary>One experiment's rows.</summary>
internal sealed record ExperimentSummary(int Experiment, string Title, IReadOnlyList<SettingSummary> Rows);

/// <summary>The XOR suite's final numbers, experiment by experiment.</summary>
/// <param name="Repeats">Seeds per setting.</param>
/// <param name="Epochs">Epochs of every run.</param>
/// <param name="Only">The experiment asked for alone, or null.</param>
/// <param name="SweepSeed">The seed of experiment 5's sweep.</param>
/// <param name="MaxHidden">Experiment 6's largest width.</param>
/// <param name="Experiments">The finished experiments, in order.</param>
internal sealed record SuiteSummary(int Repeats, int Epochs, int? Only, long SweepSeed, int MaxHidden, IReadOnlyList<ExperimentSummary> Experiments) : RunSummary;

/// <summary>
/// What the XOR suite says, experiment by experiment, computed from its numbers: which activation works best and why
/// (1), what uniform init (2) and centring (3) changed against experiment 1 for each activation, when sigmoid has
/// stopped learning (4), which learning rates learn, are too slow or diverge at the sweep's seed (5), and what hidden
/// width parity needs (6).
/// </summary>
internal static class SuiteVerdict
{
    /// <summary>The summary of the suite's finished experiments.</summary>
    public static SuiteSummary Summary(XorSuiteOptions o, IEnumerable<ExperimentResult> results) =>
        new(o.Repeats, o.Epochs, o.Only, o.SweepSeed, o.MaxHidden, [.. results.Select(r => new ExperimentSummary(r.Experiment, r.Title, [.. Rows(r)]))]);

    private static IEnumerable<SettingSummary> Rows(ExperimentResult r)
    {
        for (var i = 0; i < r.Rows.Count; i++)
        {
            var row = r.Rows[i];
            var s = new SettingSummary(row.Setting, row.Runs, row.Perfect, row.AccuracyMean, row.AccuracyStd, row.LossMean, row.LossStd);
            var one = r.Runs.FirstOrDefault(m => m.Member.Setting == row.Setting);
            yield return r.Experiment switch
            {
                4 when one is not null => s with { PlateauEnds = [.. Curves.PlateauEnds(one.TrainLoss)] },
                5 when one is not null => s with { Lr = one.Member.Options.Lr, FirstPerfectEpoch = one.FirstPerfectEpoch, Verdict = row.Verdict },
                6 when one is not null => s with { Inputs = one.Member.Options.Inputs, Hidden = one.Member.Options.Hidden },
                _ => s,
            };
        }
    }

    /// <summary>Every experiment's lines, in order.</summary>
    public static IReadOnlyList<string> Lines(SuiteSummary s) => [.. s.Experiments.SelectMany(e => Lines(s, e.Experiment).Select(l => $"experiment {e.Experiment}: {l}"))];

    /// <summary>The lines of experiment <paramref name="n"/>.</summary>
    public static IReadOnlyList<string> Lines(SuiteSummary s, int n)
    {
        var e = s.Experiments.FirstOrDefault(x => x.Experiment == n);
        if (e is null) return [];
        var baseline = s.Experiments.FirstOrDefault(x => x.Experiment == 1);
        return n switch
        {
            1 => Activations(e, s.Only),
            2 => Against(e, baseline, s.Only, "uniform(−1, 1) init against experiment 1's default init",
                $"PyTorch's default init draws each weight and bias from ±1/√fan_in = ±{Say.Num(Math.Sqrt(0.5))} here (fan_in 2 in both layers); U(−1, 1) draws larger ones"),
            3 => Against(e, baseline, s.Only, "centred {−1, 1} data against experiment 1's {0, 1}",
                "centring puts the inputs around 0, where a unit's input starts balanced, and makes the targets −1 and 1"),
            4 => Plateaus(e, s.Epochs),
            5 => Rates(e, s.SweepSeed, s.Epochs),
            6 => Widths(e, s.MaxHidden, s.Repeats),
            _ => [],
        };
    }

    private static string Perfect(SettingSummary r) => $"{r.Perfect}/{r.Runs}";

    private static readonly IReadOnlyDictionary<string, string> Why = new Dictionary<string, string>
    {
        ["tanh"] = "tanh is centred on 0 with slope 1 there (sigmoid's is 0.25), so its gradients are larger and its outputs balanced around 0",
        ["sigmoid"] = "sigmoid's outputs are all positive and its slope at most 0.25, so it learns slowly and can sit on plateaus (experiment 4)",
        ["relu"] = "a ReLU unit whose input is negative for every sample outputs 0 and gets no gradient: with 2 hidden units, one dead unit leaves too little for XOR",
    };

    private static List<string> Activations(ExperimentSummary e, int? only)
    {
        var ranked = e.Rows.OrderByDescending(r => r.Perfect).ThenByDescending(r => r.AccuracyMean).ToList();
        var lines = new List<string>();
        if (only is 2 or 3) lines.Add($"run as the baseline of experiment {only}");
        lines.Add($"which activation works best: {ranked[0].Setting} ({Perfect(ranked[0])} runs at 100 %)"
                  + (ranked.Count > 1 ? ", then " + Say.List(ranked.Skip(1).Select(r => $"{r.Setting} ({Perfect(r)})")) : ""));
        var (best, worst) = (ranked[0], ranked[^1]);
        if (ranked.Count > 1 && Why.TryGetValue(best.Setting, out var good) && Why.TryGetValue(worst.Setting, out var bad))
            lines.Add($"why: {good}; {bad}");
        return lines;
    }

    private static List<string> Against(ExperimentSummary e, ExperimentSummary? baseline, int? only, string what, string why)
    {
        if (baseline is null) return [];
        var changes = e.Rows.Select(r => (Row: r, Before: baseline.Rows.FirstOrDefault(b => b.Setting == r.Setting))).Where(c => c.Before is not null).ToList();
        string Change((SettingSummary Row, SettingSummary? Before) c) =>
            $"{c.Row.Setting} {c.Before!.Perfect}→{c.Row.Perfect}/{c.Row.Runs} (mean {Say.Percent(c.Before.AccuracyMean)} → {Say.Percent(c.Row.AccuracyMean)})";
        int Sign((SettingSummary Row, SettingSummary? Before) c) =>
            c.Row.Perfect != c.Before!.Perfect ? Math.Sign(c.Row.Perfect - c.Before.Perfect) : Math.Sign(Math.Round(c.Row.AccuracyMean - c.Before.AccuracyMean, 3));
        var helped = changes.Where(c => Sign(c) > 0).Select(c => c.Row.Setting).ToList();
        var hurt = changes.Where(c => Sign(c) < 0).Select(c => c.Row.Setting).ToList();
        var same = changes.Where(c => Sign(c) == 0).Select(c => c.Row.Setting).ToList();
        var effect = new List<string>();
        if (helped.Count > 0) effect.Add($"helped {Say.List(helped)}");
        if (hurt.Count > 0) effect.Add($"hurt {Say.List(hurt)}");
        if (same.Count > 0) effect.Add($"changed nothing for {Say.List(same)}");
        var lines = new List<string>
        {
            $"{what}{(only is 2 or 3 ? " (run alongside as the baseline)" : "")}, runs at 100 %: {string.Join(", ", changes.Select(Change))}: it {string.Join("; it ", effect)}",
            $"why it can: {why}",
        };
        var below = e.Rows.Where(r => r.AccuracyMean < 0.5).ToList();
        if (below.Count > 0)
            lines.Add($"{Say.List(below.Select(r => $"{r.Setting}'s {Say.Percent(r.AccuracyMean)}"))} {(below.Count == 1 ? "is" : "are")} below 50 %: a sample counts as right only when round(output) = round(target), "
                      + "so an output that rounds to neither class counts wrong for both");
        return lines;
    }

    private static List<string> Plateaus(ExperimentSummary e, int epochs)
    {
        var left = e.Rows.Where(r => r.PlateauEnds is { Length: > 0 }).ToList();
        var stuck = e.Rows.Where(r => r.PlateauEnds is not { Length: > 0 } && r.AccuracyMean < 1).ToList();
        var ends = left.Select(r => r.PlateauEnds![0]).Order().ToList();
        var lines = new List<string>();
        if (left.Count == 0)
            lines.Add($"no run's loss left a plateau within {Say.Count(epochs, "epoch")}");
        else
            lines.Add($"when has sigmoid stopped learning? Not when its loss goes flat: {left.Count} of {e.Rows.Count} runs sat on a plateau and then fell "
                      + $"(first plateau end at {(ends[0] == ends[^1] ? $"epoch {ends[0]}" : $"epochs {ends[0]}–{ends[^1]}, median {Say.Num(Median(ends))}")})");
        if (stuck.Count > 0)
            lines.Add($"{Say.Count(stuck.Count, "run")} had not left {(stuck.Count == 1 ? "its plateau" : "their plateaus")} after {Say.Count(epochs, "epoch")} "
                      + $"(test accuracy {Say.List(stuck.Select(r => Say.Percent(r.AccuracyMean)))}): a flat loss is no reason to stop; more epochs may still bring the fall");
        return lines;
    }

    private static List<string> Rates(ExperimentSummary e, long seed, int epochs)
    {
        var rows = e.Rows.OrderBy(r => r.Lr).ToList();
        string Rate(int i) => Say.Number(rows[i].Lr ?? double.NaN, 3);
        string Group(string verdict, string one, string many, string meaning)
        {
            var at = Enumerable.Range(0, rows.Count).Where(i => rows[i].Verdict == verdict).ToList();
            return at.Count == 0 ? $"none {one}" : $"lr {Say.Ranges(at, Rate)} {(at.Count == 1 ? one : many)} ({Say.Count(at.Count, "rate")}: {meaning})";
        }
        var lines = new List<string>
        {
            $"learning rates at seed {seed} (--sweep-seed), {Say.Count(epochs, "epoch")} each: "
            + string.Join("; ", Group("learns", "learns", "learn", "100 % at the end"), Group("too slow", "is too slow", "are too slow", $"below 100 % after {Say.Count(epochs, "epoch")}"),
                Group("diverges", "diverges", "diverge", "the loss blows up")),
        };
        var firsts = rows.Where(r => r.Verdict == "learns" && r.FirstPerfectEpoch is not null).ToList();
        if (firsts.Count > 0)
        {
            var quickest = firsts.Min(r => r.FirstPerfectEpoch!.Value);
            var at = Enumerable.Range(0, rows.Count).Where(i => rows[i].Verdict == "learns" && rows[i].FirstPerfectEpoch == quickest).ToList();
            lines.Add($"the quickest reach 100 % in epoch {quickest} (lr {Say.Ranges(at, Rate)}); the slowest that learn take until epoch {firsts.Max(r => r.FirstPerfectEpoch!.Value)}");
        }
        return lines;
    }

    private static List<string> Widths(ExperimentSummary e, int maxHidden, int repeats)
    {
        var parts = new List<string>();
        foreach (var inputs in e.Rows.Select(r => r.Inputs).OfType<int>().Distinct().Order())
        {
            var smallest = e.Rows.Where(r => r.Inputs == inputs && 2 * r.Perfect > r.Runs).OrderBy(r => r.Hidden).FirstOrDefault();
            parts.Add(smallest is null ? $"{inputs} inputs: none up to {maxHidden} (--max-hidden)" : $"{inputs} inputs: {smallest.Hidden} ({Perfect(smallest)})");
        }
        return [$"what hidden width parity needs (the smallest at which most of the {repeats} runs reach 100 %): {string.Join(", ", parts)}"];
    }

    private static double Median(IReadOnlyList<int> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2.0;
}
