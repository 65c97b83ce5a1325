using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Functional.Formats;
using Functional.Training.Checkpoints;

namespace Functional.Shell.Reports;

/// <summary>
/// A run's <c>report.html</c>, made from its folder alone (<see cref="RunRecord"/>): what was run, the data, the training
/// curves, the final numbers, the verdicts, the exercise's plots (the XOR suite's experiments each with its table and
/// plot) and where the checkpoint is. One self-contained page: CSS inline, images as data URIs, no script, nothing from
/// the network; every text that comes from the run is escaped.
/// </summary>
internal static class RunReport
{
    /// <summary>The report's file name in a run folder.</summary>
    public const string FileName = "report.html";

    // Per-step losses are drawn as at most this many points (means of consecutive steps beyond it).
    private const int MaxStepPoints = 2000;

    // The per-epoch table lists at most this many rows (metrics.csv has them all).
    private const int MaxEpochRows = 5000;

    // Captions of the plots the exercises write; a plot not named here is shown under its file name.
    private static readonly IReadOnlyDictionary<string, string> Captions = new Dictionary<string, string>
    {
        ["xor-loss.png"] = "Training loss per batch and test loss per epoch.",
        ["xor-surface.png"] = "The network's output over the input plane, with the test points.",
        ["boundary.png"] = "The decision boundary (p = 0.5) over the probability of label 1, with the training and test points.",
        ["loss.png"] = "Loss per epoch.",
        ["fit.png"] = "The data, the true curve and the network's fit.",
        ["weight-decay.png"] = "Validation loss with and without weight decay.",
        ["confusion.png"] = "The confusion matrix over the test set.",
        ["test-digits.png"] = "Test digits with the network's prediction (mistakes framed).",
    };

    /// <summary>
    /// Writes the report of <paramref name="run"/> into its folder (or to <paramref name="path"/>), atomically (a
    /// temporary file renamed into place); returns the path written.
    /// </summary>
    public static string Write(RunRecord run, string? path = null, Action? beforePlots = null)
    {
        var target = path ?? Path.Combine(run.Folder, FileName);
        var html = Render(run, beforePlots);
        var dir = Path.GetDirectoryName(Path.GetFullPath(target))!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(target)}.tmp-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(temp, html, new UTF8Encoding(false));
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return target;
    }

    /// <summary>
    /// Writes the report of a run that has just ended (its log closed with its <c>end</c> line) into its folder and says
    /// where on the summary. A report that cannot be made is a warning: the run itself is done and its exit code stands.
    /// <paramref name="beforePlots"/> waits for plots still being drawn: the report reads the log and renders what does
    /// not show a plot first, then calls it, then lists and inlines the folder's plots.
    /// </summary>
    public static void WriteAtEnd(string? folder, RunConsole console, Action? beforePlots = null)
    {
        if (folder is null || !RunFolder.HoldsRun(folder))
        {
            beforePlots?.Invoke();
            return;
        }
        try
        {
            console.Summary.WriteLine($"report: {RunFolder.Display(Write(RunRecord.Read(folder, "the run folder"), beforePlots: beforePlots))}");
        }
        catch (Exception e)
        {
            console.Errors.WriteLine($"warning: {FileName} not written ({e.Message.ReplaceLineEndings(" ").Trim()})");
        }
    }

    /// <summary>The report of <paramref name="run"/> as one HTML page.</summary>
    /// <remarks>
    /// The sections that show no plot are rendered first; then <paramref name="beforePlots"/> (if any) is called and the
    /// folder's plots are listed again, so plots still being drawn when <paramref name="run"/> was read are shown.
    /// </remarks>
    public static string Render(RunRecord run, Action? beforePlots = null)
    {
        var name = Path.GetFileName(run.Folder);
        var body = new StringBuilder();
        body.Append($"<header><h1>{Html.Esc(run.Exercise)} <span class=\"muted\">·</span> {Html.Esc(name)} <span class=\"status {Html.Esc(run.Status)}\" id=\"status\">{Html.Esc(run.Status)}</span></h1>");
        body.Append($"<p class=\"muted\">{Html.Esc(RunStory.Tutorial(run.Exercise))}</p></header>");
        var sections = new List<(string Id, string Title, string Html)>
        {
            ("run", "What was run", WhatWasRun(run)),
            ("data", "The data", Paragraphs(RunStory.Data(run))),
            ("curves", "Training curves", TrainingCurves(run)),
            ("results", "Final numbers", FinalNumbers(run)),
            ("verdicts", "Verdicts", VerdictSection(run)),
        };
        if (beforePlots is not null)
        {
            beforePlots();
            run = run with { Plots = RunRecord.PlotsIn(run.Folder) };
        }
        if (run.Exercise == "xor-experiments" || run.Experiments is not null) sections.Add(("experiments", "Experiments", ExperimentsSection(run)));
        sections.Add(("plots", "Plots", PlotsSection(run)));
        sections.Add(("checkpoint", "Checkpoint", CheckpointSection(run)));
        sections.Add(("files", "Files", FilesSection(run)));
        body.Append("<nav>").AppendJoin("", sections.Select(s => $"<a href=\"#{s.Id}\">{Html.Esc(s.Title)}</a>")).Append("</nav>");
        body.Append(StatusNote(run));
        foreach (var (id, title, html) in sections)
            body.Append($"<section id=\"{id}\"><h2>{Html.Esc(title)}</h2>{html}</section>");
        body.Append($"<footer>Made by <code>./functional runs report</code> from this folder's {RunLayout.LogFile}, checkpoints and plots "
                    + $"on {Html.Esc(DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv))}; <code>./functional runs report {Html.Esc(RunFolder.Display(run.Folder))}</code> makes it again.</footer>");
        return Html.Page($"{run.Exercise} {name} ({run.Status})", body.ToString());
    }

    private static string Paragraphs(IEnumerable<string> lines) => string.Concat(lines.Select(l => $"<p>{Html.Esc(l)}</p>"));

    // ---- what was run ----

    private static string WhatWasRun(RunRecord run)
    {
        var sb = new StringBuilder();
        sb.Append($"<pre id=\"command\"><code>{Html.Esc("./functional " + run.Command)}</code></pre>");
        var facts = new List<(string, string)>
        {
            ("run folder", run.Folder),
            ("started", run.Started?.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv) ?? "not recorded"),
            (run.Status == "running" ? "last written" : "ended (the log's last write)", run.LogWritten.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv)),
        };
        if (run.Started is { } started && run.RunningPid is null) facts.Add(("duration", Duration(run.LogWritten - started)));
        facts.Add(("outcome", run.Status));
        facts.Add(("seed", run.Header.TryGetProperty("seed", out var seed) ? RunRecord.Text(seed) : "not recorded"));
        facts.Add(("torch threads", run.Header.TryGetProperty("torch_threads", out var threads) ? RunRecord.Text(threads) : "not recorded"));
        if (run.Header.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Object)
            facts.AddRange(versions.EnumerateObject().Select(v => ($"version of {v.Name}", RunRecord.Text(v.Value))));
        facts.Add(("log schema", run.HeaderText("schema") ?? "not recorded"));
        sb.Append("<div class=\"columns\"><div>").Append(Html.KeyValues(facts, "what", "value")).Append("</div><div>");
        sb.Append(run.Settings.Count > 0 ? Html.KeyValues(run.Settings, "effective setting") : "<p>The header records no settings.</p>");
        sb.Append("<p class=\"muted\">The settings after presets and defaults: what a checkpoint of this run records and a resume must match.</p></div></div>");
        sb.Append($"<details id=\"options\"><summary>Every option of the command line, defaults included ({run.Config.Count})</summary>");
        sb.Append(run.Config.Count > 0 ? Html.KeyValues(run.Config.Select(c => ("--" + c.Key.Replace('_', '-'), c.Value)), "option") : "<p>The header records none.</p>");
        sb.Append("</details>");
        return sb.ToString();
    }

    private static string Duration(TimeSpan t) =>
        t < TimeSpan.Zero ? "unknown"
        : t.TotalSeconds < 60 ? t.TotalSeconds.ToString("0.0", Inv) + " s"
        : t.TotalHours < 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes} min";

    // ---- how the run ended ----

    private static string StatusNote(RunRecord run)
    {
        var last = LastEpochText(run);
        var checkpoint = run.Checkpoints.Length > 0 ? run.Checkpoints[^1] : null;
        var resume = checkpoint is null ? "" : $" Continue it with <code>{Html.Esc(ResumeCommand(run))}</code> (the same options; a larger <code>--epochs</code> trains further).";
        var at = checkpoint is { NextEpoch: { } e, NextBatch: { } b } ? $" Its newest checkpoint continues at epoch {e}, batch {b}." : checkpoint is null ? " It has no checkpoint." : "";
        string? note = run.Status switch
        {
            "completed" => null,
            "interrupted" => $"This run was interrupted (Ctrl+C or a signal) {last}.{at}{resume}",
            "killed" => $"This run's log has no end: its process was killed (or the machine stopped) {last}.{at}{resume}",
            "diverged" => $"This run diverged: {Divergence(run)}. {(checkpoint is null ? "No checkpoint was kept." : $"The last good checkpoint is {Html.Esc(Relative(run, checkpoint.Path))} (step {checkpoint.Step}).")} Try a smaller learning rate.",
            "failed" => $"This run stopped because its log could not be written (a full disk?) {last}.{at}{resume}",
            "running" => $"This run is still running (process {run.RunningPid}): the report shows it {last}; it is made again when the run ends.",
            _ => $"This run ended as {Html.Esc(run.Status)} {last}.",
        };
        var unreadable = run.UnreadableLines > 0 ? $"<p class=\"note\">{run.UnreadableLines} line{(run.UnreadableLines == 1 ? "" : "s")} of the log could not be read and are left out.</p>" : "";
        return (note is null ? "" : $"<p class=\"note\" id=\"status-note\">{note}</p>") + unreadable;
    }

    private static string LastEpochText(RunRecord run)
    {
        var (part, epoch) = run.IsEnsemble ? (run.MemberEpochs[^1].Part, run.MemberEpochs[^1].Epoch)
            : run.Epochs.Length > 0 ? (run.Epochs[^1].Part, run.Epochs[^1].Epoch) : (0, 0);
        return epoch == 0 ? "before its first epoch ended" : $"after epoch {epoch}{(run.Parts.Count > 1 ? $" of part {part}" : "")}";
    }

    private static string Divergence(RunRecord run)
    {
        var first = run.Steps.Select((s, i) => (s, i)).FirstOrDefault(x => !double.IsFinite(x.s.Loss));
        if (first.s == default) return "the loss became non-finite " + LastEpochText(run);
        var before = first.i > 0 ? $" (the last finite loss was {Html.Show(run.Steps[first.i - 1].Loss)})" : "";
        return $"the loss became non-finite ({Html.Esc(first.s.Loss.ToString(Inv))}) at epoch {first.s.Epoch}, batch {first.s.Batch}{before}";
    }

    /// <summary>
    /// The command that continues the run: the header's command without what names a new run (<c>--resume</c>,
    /// <c>--name</c>, <c>--out</c>, <c>--force</c>), then <c>--resume</c> with the run's folder.
    /// </summary>
    internal static string ResumeCommand(RunRecord run)
    {
        var words = new List<string>();
        var rest = ShellWords(run.Command).GetEnumerator();
        while (rest.MoveNext())
        {
            var w = rest.Current;
            if (w is "--resume" or "--name" or "--out" or "-o") rest.MoveNext();
            else if (w != "--force" && !w.StartsWith("--resume=", StringComparison.Ordinal) && !w.StartsWith("--name=", StringComparison.Ordinal) && !w.StartsWith("--out=", StringComparison.Ordinal))
                words.Add(w);
        }
        return string.Join(" ", new[] { "./functional" }.Concat(words).Concat(["--resume", RunFolder.Display(run.Folder)]).Select(CommonOptions.ShellQuote));
    }

    /// <summary>The words of a command line quoted as <see cref="CommonOptions.ShellQuote"/> quotes them (bare, or in single quotes with '\'' inside).</summary>
    internal static IEnumerable<string> ShellWords(string line)
    {
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                inWord = true;
                var end = line.IndexOf('\'', i + 1);
                if (end < 0) end = line.Length;
                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                inWord = true;
                word.Append(line[++i]);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) yield return word.ToString();
                word.Clear();
                inWord = false;
            }
            else
            {
                inWord = true;
                word.Append(c);
            }
        }
        if (inWord) yield return word.ToString();
    }

    // ---- curves ----

    /// <summary>The report's panels: the loss (training, validation, and per-step) and the accuracy, per part.</summary>
    internal static IReadOnlyList<Panel> Panels(RunRecord run)
    {
        var parts = run.Parts;
        var loss = new List<Curve>();
        var accuracy = new List<Curve>();
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            var label = parts.Count > 1 ? PartLabel(run, part) + ": " : "";
            var (train, val) = (PanelStyle.Palette[(2 * i) % 10], PanelStyle.Palette[(2 * i + 1) % 10]);
            var series = EpochSeries(run, part);
            if (i == 0 && parts.Count == 1 && StepCurve(run) is { } steps) loss.Add(steps with { Color = train });
            var mean = run.IsEnsemble ? $" (mean of {run.MemberEpochs.First(e => e.Part == part).Loss.Length} runs)" : "";
            // Later trainings dashed: a second training that follows the first closely stays visible.
            var dashed = i > 0;
            loss.Add(new Curve($"{label}training loss{mean}", train, series.X, series.Loss) { Dashed = dashed });
            if (series.Val is { } v) loss.Add(new Curve($"{label}{ValidationName(run)}{mean}", val, series.X, v) { Dashed = dashed });
            if (series.Accuracy is { } a)
                accuracy.Add(new Curve($"{label}{(run.Exercise == "regression" ? "validation" : "test")} accuracy{mean}", train, series.X, [.. a.Select(x => 100 * x)]) { Dashed = dashed });
        }
        // A run stopped in its first epoch has only its steps to show.
        if (parts.Count == 0 && StepCurve(run) is { } early) loss.Add(early with { Color = PanelStyle.Palette[0], Faint = false });
        var panels = new List<Panel>();
        if (loss.Count > 0) panels.Add(new Panel("Loss per epoch", "loss", loss));
        if (accuracy.Count > 0) panels.Add(new Panel("Accuracy per epoch", "accuracy (%)", accuracy));
        return panels;
    }

    /// <summary>What the validation loss measures in this exercise.</summary>
    internal static string ValidationName(RunRecord run) => run.Exercise == "regression" ? "validation loss" : "test loss";

    /// <summary>A part's name: a weight-decay comparison's training by its decay, a suite's stage by its number.</summary>
    internal static string PartLabel(RunRecord run, int part) =>
        run.Trainings.Length >= part && run.Trainings[part - 1].TryGetProperty("weight_decay", out var wd) ? $"weight decay {RunRecord.Text(wd)}"
        : run.Exercise == "xor-experiments" ? $"stage {part}" : $"part {part}";

    /// <summary>One part's per-epoch values (an ensemble's as means over its members).</summary>
    internal static (double[] X, double[] Loss, double[]? Val, double[]? Accuracy) EpochSeries(RunRecord run, int part)
    {
        if (run.IsEnsemble)
        {
            var es = run.MemberEpochs.Where(e => e.Part == part).ToList();
            return ([.. es.Select(e => (double)e.Epoch)], [.. es.Select(e => MemberEpochPoint.Mean(e.Loss).Mean)],
                es.All(e => e.ValLoss is not null) && es.Count > 0 ? [.. es.Select(e => MemberEpochPoint.Mean(e.ValLoss!.Value).Mean)] : null,
                es.All(e => e.Accuracy is not null) && es.Count > 0 ? [.. es.Select(e => MemberEpochPoint.Mean(e.Accuracy!.Value).Mean)] : null);
        }
        var ep = run.Epochs.Where(e => e.Part == part).ToList();
        return ([.. ep.Select(e => (double)e.Epoch)], [.. ep.Select(e => e.Loss)],
            ep.Count > 0 && ep.All(e => e.ValLoss is not null) ? [.. ep.Select(e => e.ValLoss!.Value)] : null,
            ep.Count > 0 && ep.All(e => e.Accuracy is not null) ? [.. ep.Select(e => e.Accuracy!.Value)] : null);
    }

    // The per-step losses at their place in the epoch (epoch − 1 + (batch + 1) / batches), as means of consecutive steps when there are many.
    private static Curve? StepCurve(RunRecord run)
    {
        if (run.Steps.Length < 2 || run.Steps.Length <= run.Epochs.Length || run.Steps.Count(s => double.IsFinite(s.Loss)) < 1) return null; // one step per epoch says nothing the epoch curve does not
        var batches = run.Steps.GroupBy(s => s.Epoch).ToDictionary(g => g.Key, g => g.Max(s => s.Batch) + 1);
        var bucket = (run.Steps.Length + MaxStepPoints - 1) / MaxStepPoints;
        var xs = new List<double>();
        var ys = new List<double>();
        for (var i = 0; i < run.Steps.Length; i += bucket)
        {
            var chunk = run.Steps.Skip(i).Take(bucket).ToList();
            xs.Add(chunk.Average(s => s.Epoch - 1 + (s.Batch + 1.0) / batches[s.Epoch]));
            ys.Add(chunk.Average(s => s.Loss));
        }
        return new Curve(bucket == 1 ? "training loss per step" : $"training loss, mean of every {bucket} steps", "", [.. xs], [.. ys]) { Faint = true };
    }

    private static string TrainingCurves(RunRecord run)
    {
        var panels = Panels(run);
        if (panels.Count == 0) return "<p>The log holds no epoch and no step to draw.</p>";
        var sb = new StringBuilder();
        var alt = string.Join("; ", panels.Select(p => $"{p.Title}: {string.Join(", ", p.Curves.Select(c => c.Label))}"));
        sb.Append("<figure id=\"curves-figure\">").Append(Html.SvgImage(SvgPanels.Svg(panels, "epoch", columns: 2), alt));
        sb.Append($"<figcaption>Drawn from the log's {(run.IsEnsemble ? "member_epoch" : "epoch")} events{(panels.Any(p => p.Curves.Any(c => c.Faint)) ? " (and step events, faint)" : "")}"
                  + $"{(run.IsEnsemble ? "; an ensemble's curves are means over its members" : "")}.</figcaption></figure>");
        sb.Append(EpochTable(run));
        return sb.ToString();
    }

    private static string EpochTable(RunRecord run)
    {
        var multi = run.Parts.Count > 1;
        var hasVal = run.IsEnsemble ? run.MemberEpochs.Any(e => e.ValLoss is not null) : run.Epochs.Any(e => e.ValLoss is not null);
        var hasAcc = run.IsEnsemble ? run.MemberEpochs.Any(e => e.Accuracy is not null) : run.Epochs.Any(e => e.Accuracy is not null);
        var head = new List<string>();
        if (multi) head.Add("part");
        head.Add("epoch");
        head.Add(run.IsEnsemble ? "training loss (mean)" : "training loss");
        if (hasVal) head.Add(ValidationName(run) + (run.IsEnsemble ? " (mean)" : ""));
        if (hasAcc) head.Add("accuracy" + (run.IsEnsemble ? " (mean)" : ""));
        if (run.IsEnsemble) head.Add("members");
        var rows = new List<string[]>();
        var count = run.IsEnsemble ? run.MemberEpochs.Length : run.Epochs.Length;
        if (run.IsEnsemble)
            foreach (var e in run.MemberEpochs.Take(MaxEpochRows))
            {
                var cells = new List<string>();
                if (multi) cells.Add(e.Part.ToString(Inv));
                cells.Add(e.Epoch.ToString(Inv));
                cells.Add(Html.Num(MemberEpochPoint.Mean(e.Loss).Mean));
                if (hasVal) cells.Add(e.ValLoss is { } v ? Html.Num(MemberEpochPoint.Mean(v).Mean) : "");
                if (hasAcc) cells.Add(e.Accuracy is { } a ? Html.Num(MemberEpochPoint.Mean(a).Mean, percent: true) : "");
                var notFinite = MemberEpochPoint.Mean(e.Loss).NotFinite;
                cells.Add(e.Loss.Length.ToString(Inv) + (notFinite > 0 ? $" ({notFinite} not finite)" : ""));
                rows.Add([.. cells]);
            }
        else
            foreach (var e in run.Epochs.Take(MaxEpochRows))
            {
                var cells = new List<string>();
                if (multi) cells.Add(e.Part.ToString(Inv));
                cells.Add(e.Epoch.ToString(Inv));
                cells.Add(Html.Num(e.Loss));
                if (hasVal) cells.Add(e.ValLoss is { } v ? Html.Num(v) : "");
                if (hasAcc) cells.Add(e.Accuracy is { } a ? Html.Num(a, percent: true) : "");
                rows.Add([.. cells]);
            }
        var more = count > MaxEpochRows ? $"<p>The first {MaxEpochRows:N0} of {count:N0} epochs; <a href=\"{RunLayout.MetricsFile}\">{RunLayout.MetricsFile}</a> has them all.</p>" : "";
        return $"<details id=\"epochs\"><summary>Every epoch's numbers ({count:N0} epoch{(count == 1 ? "" : "s")})</summary>{Html.Table(head.Select(Html.Esc), rows, "epochs")}{more}</details>";
    }

    // ---- final numbers ----

    private static string FinalNumbers(RunRecord run)
    {
        var sb = new StringBuilder();
        sb.Append("<h3>Last epoch</h3>");
        var rows = new List<string[]>();
        foreach (var part in run.Parts)
        {
            if (run.IsEnsemble)
            {
                var e = run.MemberEpochs.Last(m => m.Part == part);
                rows.Add([Html.Esc(run.Parts.Count > 1 ? PartLabel(run, part) : "all"), e.Epoch.ToString(Inv), MeanCell(e.Loss, false), e.ValLoss is { } v ? MeanCell(v, false) : "—",
                    e.Accuracy is { } a ? MeanCell(a, true) : "—"]);
            }
            else
            {
                var e = run.Epochs.Last(m => m.Part == part);
                rows.Add([Html.Esc(run.Parts.Count > 1 ? PartLabel(run, part) : "run"), e.Epoch.ToString(Inv), Html.Num(e.Loss), e.ValLoss is { } v ? Html.Num(v) : "—",
                    e.Accuracy is { } a ? Html.Num(a, percent: true) : "—"]);
            }
        }
        if (rows.Count == 0) sb.Append("<p>The log holds no epoch.</p>");
        else
        {
            var mean = run.IsEnsemble ? " (mean over members; min–max)" : "";
            // A column no part fills (a run without validation or accuracy) is left out.
            string[] head = ["", "epoch", "training loss" + mean, ValidationName(run) + mean, "accuracy" + mean];
            var keep = Enumerable.Range(0, head.Length).Where(c => c < 3 || rows.Any(r => r[c] != "—")).ToList();
            sb.Append(Html.Table(keep.Select(c => head[c]), rows.Select(r => keep.Select(c => r[c])), "last-epoch"));
            sb.Append("<p class=\"muted\">The training loss of an epoch is the mean of its steps' losses, each taken before that step's update.</p>");
        }
        sb.Append("<h3>Summary</h3>");
        if (run.Summary is { } summary)
        {
            var fields = summary.EnumerateObject().Where(p => p.Name is not "event").ToList();
            sb.Append(fields.Count == 0 ? "<p>The summary holds no numbers.</p>"
                : Html.Table(["field", "value"], fields.Select(p => new[] { $"<code>{Html.Esc(p.Name)}</code>", Value(p.Name, p.Value) }), "summary"));
        }
        else
            sb.Append(run.Status == "completed"
                ? "<p>The log has no summary event.</p>"
                : "<p>No summary: a run writes its summary when it completes.</p>");
        return sb.ToString();
    }

    private static string MeanCell(System.Collections.Immutable.ImmutableArray<double> values, bool percent)
    {
        var (mean, notFinite) = MemberEpochPoint.Mean(values);
        var finite = values.Where(double.IsFinite).ToList();
        var range = finite.Count > 1 ? $" <span class=\"muted\">({Html.Show(finite.Min(), percent)} – {Html.Show(finite.Max(), percent)})</span>" : "";
        return Html.Num(mean, percent) + range + (notFinite > 0 ? $" <span class=\"muted\">{notFinite} not finite</span>" : "");
    }

    /// <summary>A JSON value of the log as HTML: numbers with their exact value kept, arrays and objects as nested tables.</summary>
    internal static string Value(string key, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => Html.Num(v.GetDouble(), Html.IsFraction(key)),
        JsonValueKind.String when v.GetString() is "NaN" or "Infinity" or "-Infinity" => Html.Num(RunRecord.Number(v)),
        JsonValueKind.String => Html.Esc(v.GetString()),
        JsonValueKind.Null => "<span class=\"muted\">none</span>",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Array when v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Object) && v.GetArrayLength() > 0 => ObjectRows(v),
        JsonValueKind.Array => string.Join(", ", v.EnumerateArray().Select(x => Value(key, x))),
        JsonValueKind.Object => Html.Table(["field", "value"], v.EnumerateObject().Select(p => new[] { $"<code>{Html.Esc(p.Name)}</code>", Value(p.Name, p.Value) }), "nested"),
        _ => Html.Esc(v.GetRawText()),
    };

    private static string ObjectRows(JsonElement array)
    {
        var keys = array.EnumerateArray().SelectMany(o => o.EnumerateObject().Select(p => p.Name)).Distinct().ToList();
        return Html.Table(keys.Select(Html.Esc), array.EnumerateArray().Select(o => keys.Select(k => o.TryGetProperty(k, out var x) ? Value(k, x) : "")), "nested");
    }

    // ---- verdicts ----

    private static string VerdictSection(RunRecord run)
    {
        var lines = Verdicts.Of(run);
        if (lines.Count > 0) return string.Concat(lines.Select(l => $"<p class=\"verdict\">{Html.Esc(l)}</p>"));
        return run.Status == "completed"
            ? "<p class=\"muted\">This run's log states no verdict; the numbers above are what it measured.</p>"
            : "<p class=\"muted\">No verdict: the run did not complete.</p>";
    }

    // ---- the XOR suite ----

    private static string ExperimentsSection(RunRecord run)
    {
        if (run.Experiments is not { } doc || !doc.TryGetProperty("experiments", out var experiments) || experiments.ValueKind != JsonValueKind.Array)
            return $"<p>No {RunRecord.ExperimentsFile} in the folder: no experiment finished.</p>";
        var sb = new StringBuilder();
        if (doc.TryGetProperty("complete", out var complete) && complete.ValueKind == JsonValueKind.False)
            sb.Append("<p class=\"note\">The suite did not finish: these are the experiments that did.</p>");
        foreach (var e in experiments.EnumerateArray())
        {
            var number = e.TryGetProperty("experiment", out var n) ? RunRecord.Text(n) : "?";
            var title = e.TryGetProperty("title", out var t) ? RunRecord.Text(t) : "";
            sb.Append($"<section class=\"experiment\" id=\"experiment-{Html.Esc(number)}\"><h3>Experiment {Html.Esc(number)}: {Html.Esc(title)}</h3>");
            if (e.TryGetProperty("rows", out var rows) && rows.ValueKind == JsonValueKind.Array && rows.GetArrayLength() > 0)
            {
                // Columns no row fills are left out (each experiment fills its own).
                var keys = rows.EnumerateArray().SelectMany(r => r.EnumerateObject()
                    .Where(p => p.Value.ValueKind != JsonValueKind.Null && !(p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "")).Select(p => p.Name)).Distinct().ToList();
                sb.Append(Html.Table(keys.Select(k => Html.Esc(k.Replace('_', ' '))),
                    rows.EnumerateArray().Select(r => keys.Select(k => r.TryGetProperty(k, out var x) ? Value(k, x) : "")), "experiment-table"));
            }
            if (e.TryGetProperty("notes", out var notes) && notes.ValueKind == JsonValueKind.Array)
                sb.Append(Paragraphs(notes.EnumerateArray().Select(RunRecord.Text)));
            foreach (var plot in run.Plots.Where(p => p.StartsWith($"xor-exp{number}-", StringComparison.Ordinal)))
                sb.Append(Figure(run, plot, $"Experiment {number}."));
            // A figure of several experiments' panels (xor-exp1-3-accuracy.png) is drawn once, under the first of them; the others point to it.
            foreach (var plot in run.Plots)
                if (ExperimentRange(plot) is { } range && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k > range.First && k <= range.Last)
                    sb.Append($"<p class=\"muted\">Plotted beside experiment {range.First} on one shared y axis: <a href=\"#experiment-{range.First}\">the figure under experiment {range.First}</a>.</p>");
            sb.Append("</section>");
        }
        return sb.ToString();
    }

    // ---- plots ----

    private static string PlotsSection(RunRecord run)
    {
        var shown = run.Plots.Where(p => !(run.Experiments is not null && p.StartsWith("xor-exp", StringComparison.Ordinal))).ToList();
        if (shown.Count == 0)
            return run.Experiments is not null ? "<p>Every plot of this run is shown with its experiment above.</p>"
                : run.Status == "completed" ? "<p>This run wrote no plot.</p>" : "<p>No plot: the exercise draws its plots when the run completes.</p>";
        return string.Concat(shown.Select(p => Figure(run, p, Captions.TryGetValue(p, out var c) ? c : p)));
    }

    // The experiments a figure of panels spans, from its name: xor-exp1-3-accuracy.png spans 1 to 3; null for a single experiment's plot.
    private static (int First, int Last)? ExperimentRange(string file) =>
        System.Text.RegularExpressions.Regex.Match(file, "^xor-exp([0-9])-([0-9])-") is { Success: true } m
            ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;

    private static string Figure(RunRecord run, string file, string caption)
    {
        var image = Html.Image(run.ReadFile(file), caption);
        return image is null
            ? $"<p class=\"note\">{Html.Esc(file)} could not be read as a PNG.</p>"
            : $"<figure class=\"plot\" data-file=\"{Html.Esc(file)}\">{image}<figcaption>{Html.Esc(caption)} <code>{Html.Esc(file)}</code></figcaption></figure>";
    }

    // ---- the checkpoint ----

    private static string CheckpointSection(RunRecord run)
    {
        if (run.Checkpoints.Length == 0) return "<p>This run has no complete checkpoint.</p>";
        var newest = run.Checkpoints[^1];
        var sb = new StringBuilder();
        var position = newest is { NextEpoch: { } e, NextBatch: { } b } ? $"; a resumed run continues at epoch {e}, batch {b}" : "";
        sb.Append($"<p id=\"checkpoint-path\">The newest checkpoint is <code>{Html.Esc(newest.Path)}</code>, at global step <span class=\"num\" data-value=\"{newest.Step}\">{newest.Step:N0}</span>{Html.Esc(position)}.</p>");
        sb.Append(Html.Table(["file", "bytes"], newest.Files.Select(f => new[] { $"<code>{Html.Esc(f.Name)}</code>", f.Bytes.ToString("N0", Inv) }), "checkpoint-files"));
        if (run.Checkpoints.Length > 1)
            sb.Append($"<p>Older checkpoints kept: {string.Join(", ", run.Checkpoints.SkipLast(1).Select(c => $"<code>{Html.Esc(Relative(run, c.Path))}</code>"))}.</p>");
        sb.Append("<h3>Use it</h3><ul>");
        sb.Append($"<li>Continue or extend the run: <code>{Html.Esc(ResumeCommand(run))}</code> (a larger <code>--epochs</code> trains further).</li>");
        if (run.Exercise == "mnist") sb.Append($"<li>Classify a digit image: <code>./functional mnist predict IMAGE --model {Html.Esc(CommonOptions.ShellQuote(RunFolder.Display(run.Folder)))}</code></li>");
        sb.Append("<li>In PyTorch: <code>model.load_state_dict(safetensors.torch.load_file(\"…/model.safetensors\"))</code> loads the weights into the tutorial's module (the names are its state-dict names).</li></ul>");
        sb.Append(ModelTable(newest));
        return sb.ToString();
    }

    // The newest checkpoint's tensors: small ones in full, others as statistics.
    private static string ModelTable(CheckpointEntry checkpoint)
    {
        var path = Path.Combine(checkpoint.Path, RunLayout.ModelFile);
        SafeTensorsFile file;
        try
        {
            file = SafeTensors.Deserialize(InputFile.ReadSafeTensors(path, 256L << 20), path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UsageException or UnauthorizedAccessException)
        {
            return $"<p class=\"note\">The model file could not be read: {Html.Esc(e.Message)}</p>";
        }
        var rows = file.Tensors.Select(t =>
        {
            var values = Floats(t);
            string shown;
            if (values is null) shown = $"<span class=\"muted\">{Html.Esc(t.DType)}</span>";
            else if (values.Length <= 24) shown = $"<code>{string.Join(", ", values.Select(v => Html.Esc(v.ToString("G5", Inv))))}</code>";
            else
            {
                var mean = values.Average();
                var std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
                shown = $"mean {Html.Esc(Html.Show(mean))}, std {Html.Esc(Html.Show(std))}, min {Html.Esc(Html.Show(values.Min()))}, max {Html.Esc(Html.Show(values.Max()))}";
            }
            return new[] { $"<code>{Html.Esc(t.Name)}</code>", Html.Esc("[" + string.Join(", ", t.Shape) + "]"), shown };
        });
        return "<h3>The model's tensors</h3>" + Html.Table(["tensor", "shape", "values"], rows, "model");
    }

    private static double[]? Floats(TensorEntry t) => t.DType switch
    {
        "F32" => [.. MemoryMarshal.Cast<byte, float>(t.Data.Span).ToArray().Select(v => (double)v)],
        "F64" => MemoryMarshal.Cast<byte, double>(t.Data.Span).ToArray(),
        _ => null,
    };

    private static string Relative(RunRecord run, string path) => Path.GetRelativePath(run.Folder, path);

    // ---- files ----

    private static string FilesSection(RunRecord run)
    {
        // The lock lives only while the run does, and the page does not list itself.
        var files = Directory.EnumerateFiles(run.Folder).Select(f => new FileInfo(f)).Where(f => !f.Name.StartsWith('.') && f.Name is not "run.lock" and not FileName)
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var rows = files.Select(f => new[] { $"<a href=\"{Html.Esc(Uri.EscapeDataString(f.Name))}\">{Html.Esc(f.Name)}</a>", f.Length.ToString("N0", Inv) });
        return "<p>Everything in the run folder (<code>docs/run-format.md</code> describes each file). The report is made from these alone.</p>"
               + Html.Table(["file", "bytes"], rows, "files");
    }
}
