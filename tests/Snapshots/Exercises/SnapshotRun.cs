using System.Globalization;
using System.Text.Json;
using Functional.Formats;
using Functional.Snapshots.Shell;
using Functional.Training.Checkpoints;

namespace Functional.Snapshots.Exercises;

/// <summary>
/// Runs an exercise through the shell's real entry point and renders what a learner sees as stable text: the command,
/// the log's header (its start time, versions, thread count and paths masked) and every logged event (numbers to
/// <see cref="Digits"/> significant digits), the final checkpoint's parameter shapes with a rounded checksum, and the
/// console output with run-specific paths replaced.
/// </summary>
internal static class SnapshotRun
{
    /// <summary>Significant digits of snapshotted numbers (see the README's testing section for how this was chosen).</summary>
    public const int Digits = 6;

    public static string[] Render(string exercise, params string[] options) => Render(exercise, options, log: true, output: true);

    /// <summary>Runs <paramref name="exercise"/> (a command, possibly with a subcommand word) with the options, adding --log and --out where the command has them.</summary>
    public static string[] Render(string exercise, string[] options, bool log, bool output, params string[] outFiles)
    {
        var dir = ShellRunner.TempDir();
        var logPath = Path.Combine(dir, "log.jsonl");
        var outDir = Path.Combine(dir, "out");
        string[] args = [.. exercise.Split(' '), .. options, .. log ? new[] { "--log", logPath } : [], .. output ? new[] { "--out", outDir } : []];
        var r = ShellRunner.Run(args);
        var lines = new List<string> { $"command: {exercise} {string.Join(" ", options)}", $"exit: {r.ExitCode}" };
        // The run folder always has the log; --log gets the same bytes.
        var folderLog = Path.Combine(outDir, "log.jsonl");
        if (output && log && File.Exists(folderLog) && File.ReadAllText(folderLog) != File.ReadAllText(logPath))
            throw new InvalidOperationException($"--log {logPath} differs from the run folder's log {folderLog}");
        var shown = output && File.Exists(folderLog) ? folderLog : logPath;
        if (File.Exists(shown))
            lines.AddRange(File.ReadLines(shown).Select(l => RenderEvent(l, dir)));
        foreach (var name in outFiles)
        {
            lines.Add($"file {name}:");
            lines.AddRange(File.ReadLines(Path.Combine(outDir, name)).Select(l => RoundNumbers(l)));
        }
        var checkpoints = Path.Combine(outDir, "checkpoints");
        var newest = Directory.Exists(checkpoints) ? Directory.GetDirectories(checkpoints, "step-*").Order(StringComparer.Ordinal).LastOrDefault() : null;
        if (newest is not null) lines.AddRange(RenderParams(Path.Combine(newest, "model.safetensors")));
        lines.Add("stdout:");
        lines.AddRange(Normalize(r.Stdout, dir));
        lines.Add("stderr:");
        lines.AddRange(Normalize(r.Stderr, dir));
        Directory.Delete(dir, recursive: true);
        return [.. lines];
    }

    /// <summary>A number to <see cref="Digits"/> significant digits, invariant culture.</summary>
    public static string Num(double x) => double.IsFinite(x) ? x.ToString($"G{Digits}", CultureInfo.InvariantCulture) : x.ToString(CultureInfo.InvariantCulture);

    // Masked in the header: what depends on the clock, the build, the machine's cores or the run's folder.
    private static readonly HashSet<string> Volatile = ["started", "versions", "torch_threads"];

    private static string RenderEvent(string json, string dir)
    {
        using var doc = JsonDocument.Parse(json);
        var header = doc.RootElement.TryGetProperty("event", out var kind) && kind.GetString() == "header";
        return string.Join(" ", doc.RootElement.EnumerateObject().Select(p => header && Volatile.Contains(p.Name) ? $"{p.Name}=<{p.Name}>" : p.Value.ValueKind switch
        {
            JsonValueKind.Number when p.Value.TryGetInt64(out var i) && !p.Value.GetRawText().Contains('.') && !p.Value.GetRawText().Contains('E') => $"{p.Name}={i}",
            JsonValueKind.Number => $"{p.Name}={Num(p.Value.GetDouble())}",
            JsonValueKind.String => p.Name == "event" ? p.Value.GetString()! : $"{p.Name}={p.Value.GetString()}",
            JsonValueKind.Array => $"{p.Name}=[{string.Join(",", p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? Num(v.GetDouble()) : v.ToString()))}]",
            _ => $"{p.Name}={p.Value.GetRawText().Replace(dir, "<tmp>")}",
        })).Replace(dir, "<tmp>");
    }

    private static IEnumerable<string> RenderParams(string checkpoint)
    {
        var file = SafeTensors.Deserialize(File.ReadAllBytes(checkpoint), checkpoint);
        foreach (var t in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            using var tensor = SafeTensors.ToTensor(t);
            using var d = tensor.to(TorchSharp.torch.ScalarType.Float64);
            var values = d.data<double>().ToArray();
            yield return $"param {t.Name} [{string.Join(", ", t.Shape)}] sum={Num(values.Sum())} abs_sum={Num(values.Sum(Math.Abs))}";
        }
    }

    // What depends on the clock (durations, rates) or the run's folder is replaced; the rest is what the user saw.
    private static IEnumerable<string> Normalize(string text, string dir) =>
        text.Replace(dir, "<tmp>").ReplaceLineEndings("\n").TrimEnd('\n').Split('\n')
            .Select(l => Rates.Replace(l, "<rate>"))
            .Select(l => Durations.Replace(l, "<time>"));

    private static readonly System.Text.RegularExpressions.Regex Rates =
        new(@"[\d,.]+(\s[a-zA-Z-]+)+/s\b", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex Durations =
        new(@"\b\d+(\.\d+)?\s?(ms|s|µs|min)(/[a-z]+)?\b", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex Numbers =
        new(@"-?\d+\.\d+(E[-+]?\d+)?", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>Every decimal number in a line of a result file, to <see cref="Digits"/> significant digits.</summary>
    private static string RoundNumbers(string line) =>
        Numbers.Replace(line, m => Num(double.Parse(m.Value, CultureInfo.InvariantCulture)));
}
