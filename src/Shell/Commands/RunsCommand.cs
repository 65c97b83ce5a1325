using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Functional.Formats;

namespace Functional.Shell.Commands;

/// <summary><c>runs list</c> and <c>runs rm</c>: the run folders under <c>runs/</c>, their state and final numbers, and their removal.</summary>
internal static class RunsCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // The end of a log read to find its last epoch and how it ended (an XOR epoch is 500 step lines, about 40 kB).
    private const int TailBytes = 1 << 20;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("runs", $"The run folders under {RunLayout.Root}/: list them, remove them, make their reports");
        var exercise = new Argument<string?>("EXERCISE") { Description = "Only this exercise's runs", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("list", "Each run: folder, exercise, start, status (completed, interrupted, diverged, failed, running) and its last epoch's numbers");
        list.Arguments.Add(exercise);
        list.SetAction((r, _) => Task.FromResult(List(r.GetValue(exercise), stdout)));
        var folders = new Argument<string[]>("RUN_DIR") { Description = "Run folders to remove (a running one is refused)", Arity = ArgumentArity.OneOrMore };
        var rm = new Command("rm", "Remove run folders (log, metrics, checkpoints, plots), never one that is running");
        rm.Arguments.Add(folders);
        rm.SetAction((r, _) => Task.FromResult(Remove(r.GetValue(folders)!, stdout)));
        command.Subcommands.Add(list);
        command.Subcommands.Add(rm);
        command.Subcommands.Add(ReportCommand.Create(stdout));
        return command;
    }

    /// <summary>What <c>runs list</c> shows of one run.</summary>
    internal sealed record RunSummary(string Folder, string Exercise, string Started, string Status, string Numbers);

    private static int List(string? exercise, TextWriter stdout)
    {
        if (!Directory.Exists(RunLayout.Root))
        {
            stdout.WriteLine($"no runs: there is no {RunLayout.Root}/ folder here");
            return ExitCodes.Ok;
        }
        var exercises = Directory.EnumerateDirectories(RunLayout.Root).Select(Path.GetFileName).OfType<string>()
            .Where(e => exercise is null || e == exercise).Order(StringComparer.Ordinal).ToList();
        if (exercise is not null && exercises.Count == 0)
        {
            stdout.WriteLine($"no runs of {exercise} in {RunLayout.Root}/");
            return ExitCodes.Ok;
        }
        var runs = exercises.SelectMany(e => Directory.EnumerateDirectories(Path.Combine(RunLayout.Root, e))
                .Where(d => Path.GetFileName(d) != RunLayout.Latest && !Path.GetFileName(d).StartsWith('.') && RunFolder.HoldsRun(d))
                .Order(StringComparer.Ordinal))
            .Select(Summarize).ToList();
        if (runs.Count == 0)
        {
            stdout.WriteLine($"no runs in {RunLayout.Root}/{(exercise is null ? "" : exercise + "/")}");
            return ExitCodes.Ok;
        }
        string[] head = ["run", "exercise", "started", "status", "last epoch"];
        var rows = runs.Select(r => new[] { r.Folder, r.Exercise, r.Started, r.Status, r.Numbers }).ToList();
        var widths = Enumerable.Range(0, head.Length).Select(i => rows.Select(r => r[i].Length).Append(head[i].Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        stdout.WriteLine(Line(head));
        foreach (var row in rows) stdout.WriteLine(Line(row));
        return ExitCodes.Ok;
    }

    /// <summary>One run's summary from its folder: the header's exercise and start, the lock, and the log's last lines.</summary>
    internal static RunSummary Summarize(string folder)
    {
        var display = RunFolder.Display(folder);
        JsonElement header;
        try
        {
            header = RunFolder.ReadHeader(folder);
        }
        catch (Exception problem) when (problem is InvalidDataException or IOException or UsageException)
        {
            return new RunSummary(display, Path.GetFileName(Path.GetDirectoryName(folder)) ?? "?", "?", "unreadable log", "");
        }
        var exercise = header.TryGetProperty("exercise", out var ex) ? ex.GetString() ?? "?" : "?";
        var started = header.TryGetProperty("started", out var st) && DateTimeOffset.TryParse(st.GetString(), Inv, DateTimeStyles.None, out var time)
            ? time.ToString("yyyy-MM-dd HH:mm:ss", Inv) : "?";
        string? outcome = null;
        JsonElement? lastEpoch = null;
        foreach (var line in Tail(Path.Combine(folder, RunLayout.LogFile)))
        {
            if (!line.StartsWith('{')) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var kind = doc.RootElement.TryGetProperty("event", out var k) ? k.GetString() : null;
                if (kind is "epoch" or "member_epoch") lastEpoch = doc.RootElement.Clone();
                else if (kind == "end") outcome = doc.RootElement.TryGetProperty("outcome", out var o) ? o.GetString() : "ended";
            }
            catch (JsonException)
            {
                // The first line of the tail may start mid-line; a torn last line was being written.
            }
        }
        var status = RunLock.OwnerOf(folder) is { Alive: true } owner ? $"running (process {owner.Pid})" : outcome ?? "interrupted";
        return new RunSummary(display, exercise, started, status, lastEpoch is { } e ? Numbers(e) : "no epoch yet");
    }

    private static string Numbers(JsonElement e)
    {
        var parts = new List<string> { $"epoch {e.GetProperty("epoch").GetInt32()}" };
        if (e.TryGetProperty("part", out var part)) parts[0] = $"part {part.GetInt32()}, " + parts[0];
        var ensemble = e.GetProperty("event").GetString() == "member_epoch";
        foreach (var (field, label) in new[] { ("loss", "loss"), ("val_loss", "val_loss"), ("accuracy", "accuracy") })
        {
            if (!e.TryGetProperty(field, out var v)) continue;
            if (!ensemble)
            {
                parts.Add($"{label} {Show(field, Value(v))}");
                continue;
            }
            var values = v.EnumerateArray().Select(Value).ToList();
            var finite = values.Where(double.IsFinite).ToList();
            parts.Add($"{label} {(finite.Count > 0 ? Show(field, finite.Average()) : "NaN")} (mean of {values.Count}{(finite.Count < values.Count ? $", {values.Count - finite.Count} not finite" : "")})");
        }
        return string.Join(", ", parts);
    }

    private static double Value(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(v.GetString()!, Inv);

    // An accuracy as every command prints a share (93.5 %), a loss with 5 significant digits.
    private static string Show(string field, double x) => field == "accuracy" ? Verdicts.Say.Percent(x) : Text(x);

    private static string Text(double x) => double.IsFinite(x) ? x.ToString("G5", Inv) : x.ToString(Inv);

    // The complete lines of a log's last TailBytes.
    private static IEnumerable<string> Tail(string log)
    {
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var start = Math.Max(0, stream.Length - TailBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var bytes = new byte[stream.Length - start];
        stream.ReadExactly(bytes);
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.Split('\n');
        return lines.Take(lines.Length - 1).Skip(start > 0 ? 1 : 0).ToList();
    }

    private static int Remove(string[] folders, TextWriter stdout)
    {
        // Everything is checked before anything is removed: one bad name removes nothing.
        var targets = new List<string>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder)) throw new UsageException($"runs rm {folder}: no such folder");
            var full = RunFolder.RealPath(folder);
            if (!RunFolder.HoldsRun(full)) throw new UsageException($"runs rm {folder}: not a run folder (it has no {RunLayout.LogFile})");
            if (RunLock.OwnerOf(full) is { Alive: true } owner) throw new UsageException($"runs rm {folder}: the run is running (process {owner.Pid}); stop it first");
            targets.Add(full);
        }
        foreach (var full in targets.Distinct())
        {
            var parent = Path.GetDirectoryName(full)!;
            // Renamed away first, so a run folder is never half there under its name.
            var aside = Path.Combine(parent, $".{Path.GetFileName(full)}.del-{Environment.ProcessId}");
            Directory.Move(full, aside);
            Directory.Delete(aside, recursive: true);
            stdout.WriteLine($"removed {RunFolder.Display(full)}");
            RepointLatest(parent, Path.GetFileName(full), stdout);
        }
        return ExitCodes.Ok;
    }

    // A latest link that named a removed run names the newest run left, or goes.
    private static void RepointLatest(string exerciseRoot, string removed, TextWriter stdout)
    {
        var link = new FileInfo(Path.Combine(exerciseRoot, RunLayout.Latest));
        if (link.LinkTarget is not { } target || Path.GetFileName(Path.TrimEndingDirectorySeparator(target)) != removed) return;
        if (RunFolder.NewestRun(exerciseRoot) is { } newest)
        {
            RunFolder.PointLatest(exerciseRoot, newest, stdout);
            stdout.WriteLine($"{RunFolder.Display(link.FullName)} now names {Path.GetFileName(newest)}");
        }
        else link.Delete();
    }
}
