using System.Text;
using System.Text.Json;

namespace Functional.Shell.Reports;

/// <summary>
/// Runs of one exercise side by side, from their folders alone: each run's name (its folder's) and the options that
/// set it apart, its final numbers, the configuration keys whose values differ, and the curves to overlay.
/// </summary>
internal sealed class Comparison
{
    // Options that say where a run's files go or how it talks, not what it computes: never a difference worth showing.
    private static readonly HashSet<string> Plumbing = ["log", "out", "quiet", "checkpoint_every", "resume", "name", "force", "keep"];

    /// <summary>The runs, in the order given.</summary>
    public IReadOnlyList<RunRecord> Runs { get; }

    /// <summary>The exercise they all ran.</summary>
    public string Exercise => Runs[0].Exercise;

    /// <summary>The keys (effective settings by name, options as <c>--flag</c>, and the run's environment) whose values differ, each with one value per run (— where a run has none).</summary>
    public IReadOnlyList<(string Key, IReadOnlyList<string> Values)> Differences { get; }

    /// <summary>The final numbers' columns and, per run, one value each (null where a run has none).</summary>
    public IReadOnlyList<string> NumberColumns { get; }

    /// <summary>Per run, its final numbers in <see cref="NumberColumns"/>' order.</summary>
    public IReadOnlyList<IReadOnlyList<double?>> Numbers { get; }

    private Comparison(IReadOnlyList<RunRecord> runs)
    {
        Runs = runs;
        Differences = Differ(runs);
        (NumberColumns, Numbers) = Finals(runs);
    }

    /// <summary>
    /// Compares <paramref name="runs"/>: two or more, of one exercise, no run twice; anything else is a
    /// <see cref="UsageException"/> with one line.
    /// </summary>
    public static Comparison Of(IReadOnlyList<RunRecord> runs)
    {
        if (runs.Count < 2) throw new UsageException($"compare takes two runs or more, got {runs.Count}");
        var other = runs.FirstOrDefault(r => r.Exercise != runs[0].Exercise);
        if (other is not null)
            throw new UsageException($"compare: {RunFolder.Display(runs[0].Folder)} is a run of {runs[0].Exercise}, {RunFolder.Display(other.Folder)} of {other.Exercise}; compare runs of one exercise");
        var twice = runs.GroupBy(r => r.Folder).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new UsageException($"compare: {RunFolder.Display(twice.Key)} is named twice");
        return new Comparison(runs);
    }

    /// <summary>A run's name: its folder's.</summary>
    public static string Name(RunRecord run) => Path.GetFileName(run.Folder);

    /// <summary>A run's legend label: its name and the settings that differ (at most three).</summary>
    public string Label(int run)
    {
        var diffs = Differences.Where(d => !d.Key.StartsWith("version", StringComparison.Ordinal)).Select(d => $"{d.Key}={d.Values[run]}").ToList();
        return Name(Runs[run]) + (diffs.Count == 0 ? "" : " (" + string.Join(", ", diffs.Take(3)) + (diffs.Count > 3 ? ", …" : "") + ")");
    }

    /// <summary>A run's colour in the plot and the page.</summary>
    public static string Color(int run) => PanelStyle.Palette[run % PanelStyle.Palette.Count];

    // The values a run is described by: its effective settings, then the options the settings do not already name, then its environment.
    private static List<(string Key, string Value)> Described(RunRecord run)
    {
        static string Normal(string key) => key.Replace("_", "").Replace("-", "").ToLowerInvariant();
        var settings = run.Settings.ToList();
        var named = settings.Select(s => Normal(s.Key)).ToHashSet();
        var values = new List<(string, string)>(settings);
        values.AddRange(run.Config.Where(c => !Plumbing.Contains(c.Key) && !named.Contains(Normal(c.Key))).Select(c => ("--" + c.Key.Replace('_', '-'), c.Value)));
        values.Add(("torch threads", run.Header.TryGetProperty("torch_threads", out var t) ? RunRecord.Text(t) : "—"));
        if (run.Header.TryGetProperty("versions", out var v) && v.ValueKind == JsonValueKind.Object)
            values.AddRange(v.EnumerateObject().Select(p => ($"version of {p.Name}", RunRecord.Text(p.Value))));
        return values;
    }

    private static List<(string, IReadOnlyList<string>)> Differ(IReadOnlyList<RunRecord> runs)
    {
        var described = runs.Select(r => Described(r).ToDictionary(p => p.Key, p => p.Value)).ToList();
        var keys = runs.SelectMany(Described).Select(p => p.Key).Distinct().ToList();
        return [.. keys.Select(k => (k, (IReadOnlyList<string>)[.. described.Select(d => d.TryGetValue(k, out var v) ? v : "—")]))
            .Where(d => d.Item2.Distinct().Count() > 1)];
    }

    // The last epoch's training loss, validation loss and accuracy (an ensemble's means), then the summary's numbers.
    private static (IReadOnlyList<string>, IReadOnlyList<IReadOnlyList<double?>>) Finals(IReadOnlyList<RunRecord> runs)
    {
        var validation = RunReport.ValidationName(runs[0]);
        var columns = new List<string> { "epochs", "training loss", validation, "accuracy" };
        var summaryKeys = runs.Where(r => r.Summary is not null)
            .SelectMany(r => r.Summary!.Value.EnumerateObject().Where(p => p.Name != "event" && IsNumber(p.Value)).Select(p => p.Name)).Distinct().ToList();
        columns.AddRange(summaryKeys.Select(k => "summary " + k));
        var rows = runs.Select(r =>
        {
            var (_, loss, val, accuracy) = Last(r);
            var row = new List<double?> { EpochCount(r), loss, val, accuracy };
            row.AddRange(summaryKeys.Select(k => r.Summary is { } s && s.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null && IsNumber(v) ? RunRecord.Number(v) : (double?)null));
            return (IReadOnlyList<double?>)row;
        }).ToList();
        // A column every run leaves empty says nothing.
        var keep = Enumerable.Range(0, columns.Count).Where(c => rows.Any(r => r[c] is not null)).ToList();
        return ([.. keep.Select(c => columns[c])], [.. rows.Select(r => (IReadOnlyList<double?>)[.. keep.Select(c => r[c])])]);

        static bool IsNumber(JsonElement v) => v.ValueKind is JsonValueKind.Number or JsonValueKind.Null
                                               || (v.ValueKind == JsonValueKind.String && v.GetString() is "NaN" or "Infinity" or "-Infinity");
    }

    /// <summary>The epochs a run logged (over all its parts).</summary>
    private static double? EpochCount(RunRecord r) => r.IsEnsemble ? r.MemberEpochs.Length : r.Epochs.Length;

    /// <summary>A run's last logged epoch: its part, training loss, validation loss and accuracy (an ensemble's as means over its members).</summary>
    public static (int Part, double? Loss, double? Val, double? Accuracy) Last(RunRecord r)
    {
        if (r.IsEnsemble)
        {
            var m = r.MemberEpochs[^1];
            return (m.Part, MemberEpochPoint.Mean(m.Loss).Mean, m.ValLoss is { } v ? MemberEpochPoint.Mean(v).Mean : null, m.Accuracy is { } a ? MemberEpochPoint.Mean(a).Mean : null);
        }
        if (r.Epochs.Length == 0) return (0, null, null, null);
        var e = r.Epochs[^1];
        return (e.Part, e.Loss, e.ValLoss, e.Accuracy);
    }

    /// <summary>The overlay: a panel per metric (training loss, validation loss, accuracy), a colour per run, a dashed line for a run's later parts.</summary>
    public IReadOnlyList<Panel> Panels()
    {
        var train = new List<Curve>();
        var val = new List<Curve>();
        var accuracy = new List<Curve>();
        for (var i = 0; i < Runs.Count; i++)
        {
            var run = Runs[i];
            var parts = run.Parts;
            foreach (var part in parts)
            {
                var label = Label(i) + (parts.Count > 1 ? $", {RunReport.PartLabel(run, part)}" : "");
                var dashed = part != parts[0];
                var (x, loss, v, a) = RunReport.EpochSeries(run, part);
                train.Add(new Curve(label, Color(i), x, loss) { Dashed = dashed });
                if (v is not null) val.Add(new Curve(label, Color(i), x, v) { Dashed = dashed });
                if (a is not null) accuracy.Add(new Curve(label, Color(i), x, [.. a.Select(p => 100 * p)]) { Dashed = dashed });
            }
        }
        var mean = Runs.Any(r => r.IsEnsemble) ? " (mean over members)" : "";
        var panels = new List<Panel>();
        if (train.Count > 0) panels.Add(new Panel("Training loss" + mean, "training loss", train));
        if (val.Count > 0) panels.Add(new Panel(Capital(RunReport.ValidationName(Runs[0])) + mean, RunReport.ValidationName(Runs[0]), val));
        if (accuracy.Count > 0) panels.Add(new Panel("Accuracy" + mean, "accuracy (%)", accuracy));
        return panels;
    }

    // A relative path as a link: each segment escaped, '/' between them.
    private static string Href(string relative) => string.Join("/", relative.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>The final numbers and the differences as text tables, for the console.</summary>
    public string Text()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"compare: {Runs.Count} runs of {Exercise}");
        sb.AppendLine();
        var head = new List<string> { "run", "status" };
        head.AddRange(NumberColumns);
        var rows = Runs.Select((r, i) => (IReadOnlyList<string>)[Name(r), r.Status, .. Numbers[i].Select((n, c) => n is { } x ? Html.Show(x, Html.IsFraction(NumberColumns[c])) : "—")]).ToList();
        Columns(sb, head, rows);
        sb.AppendLine();
        if (Differences.Count == 0) sb.AppendLine("configuration: the same in every run");
        else
        {
            sb.AppendLine("configuration differences:");
            Columns(sb, ["key", .. Runs.Select(Name)], [.. Differences.Select(d => (IReadOnlyList<string>)[d.Key, .. d.Values])]);
        }
        return sb.ToString();
    }

    private static void Columns(StringBuilder sb, IReadOnlyList<string> head, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = Enumerable.Range(0, head.Count).Select(i => rows.Select(r => r[i].Length).Append(head[i].Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        sb.Append("  ").AppendLine(Line(head));
        foreach (var row in rows) sb.Append("  ").AppendLine(Line(row));
    }

    /// <summary>The page: the overlay (<paramref name="png"/>), the runs with links to their reports, the final numbers and the differences.</summary>
    public string Page(byte[]? png, string outDir)
    {
        var sb = new StringBuilder();
        sb.Append($"<header><h1>compare <span class=\"muted\">·</span> {Runs.Count} runs of {Html.Esc(Exercise)}</h1>");
        sb.Append($"<p class=\"muted\">{Html.Esc(RunStory.Tutorial(Exercise))}</p></header>");
        sb.Append("<nav><a href=\"#runs\">Runs</a><a href=\"#curves\">Curves</a><a href=\"#results\">Final numbers</a><a href=\"#differences\">Differences</a><a href=\"#settings\">Settings</a></nav>");
        sb.Append("<section id=\"runs\"><h2>Runs</h2>");
        sb.Append(Html.Table(["", "run", "status", "command", "started", "report"], Runs.Select((r, i) =>
        {
            var report = Path.Combine(r.Folder, RunReport.FileName);
            var link = File.Exists(report) ? $"<a href=\"{Html.Esc(Href(Path.GetRelativePath(outDir, report)))}\">report.html</a>" : "<span class=\"muted\">none</span>";
            return new[]
            {
                $"<span class=\"swatch\" style=\"background:{Color(i)}\"></span>", $"<code title=\"{Html.Esc(r.Folder)}\">{Html.Esc(Name(r))}</code>",
                $"<span class=\"status {Html.Esc(r.Status)}\">{Html.Esc(r.Status)}</span>", $"<code>{Html.Esc("./functional " + r.Command)}</code>",
                Html.Esc(r.Started?.ToString("yyyy-MM-dd HH:mm:ss", Inv) ?? "—"), link,
            };
        }), "runs"));
        sb.Append("</section>");
        sb.Append("<section id=\"curves\"><h2>Curves</h2>");
        var alt = $"{Runs.Count} runs of {Exercise} overlaid: " + string.Join("; ", Enumerable.Range(0, Runs.Count).Select(Label));
        sb.Append(png is null ? "<p>No run has an epoch to draw.</p>"
            : $"<figure id=\"curves-figure\">{Html.Image(png, alt)}<figcaption>Per-epoch values from each run's log; a colour per run{(Runs.Any(r => r.Parts.Count > 1) ? ", later trainings of a run dashed" : "")}. The same image is <code>compare.png</code> beside this page.</figcaption></figure>");
        sb.Append("</section>");
        sb.Append("<section id=\"results\"><h2>Final numbers</h2><p class=\"muted\">The last logged epoch of each run (an ensemble's as means over its members), then its summary's numbers.</p>");
        sb.Append(Html.Table(["run", .. NumberColumns.Select(Html.Esc)], Runs.Select((r, i) =>
            (IEnumerable<string>)[$"<code>{Html.Esc(Name(r))}</code>", .. Numbers[i].Select((n, c) => n is { } x ? Html.Num(x, Html.IsFraction(NumberColumns[c])) : "—")]), "finals"));
        sb.Append("</section>");
        sb.Append("<section id=\"differences\"><h2>Configuration differences</h2>");
        sb.Append(Differences.Count == 0 ? "<p>The runs have the same settings and options.</p>"
            : Html.Table(["key", .. Runs.Select(r => $"<code>{Html.Esc(Name(r))}</code>")],
                Differences.Select(d => (IEnumerable<string>)[$"<code>{Html.Esc(d.Key)}</code>", .. d.Values.Select(Html.Esc)]), "differences"));
        sb.Append("</section>");
        sb.Append("<section id=\"settings\"><h2>Every run's settings</h2>");
        foreach (var r in Runs)
            sb.Append($"<details><summary>{Html.Esc(Name(r))}</summary>{Html.KeyValues(Described(r), "setting")}</details>");
        sb.Append("</section>");
        sb.Append($"<footer>Made by <code>./functional compare</code> from the runs' logs into {Html.Esc(outDir)} on {Html.Esc(DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv))}.</footer>");
        return Html.Page($"compare: {Runs.Count} runs of {Exercise}", sb.ToString());
    }
}
