using System.Globalization;
using System.Text.Json;
using Functional.Formats;
using Functional.Snapshots.Shell;
using Functional.Training.Checkpoints;

namespace Functional.Snapshots.Exercises;

/// <summary>
/// Runs an exercise through the shell's real entry point and renders what a learner sees as stable text: the command,
/// every logged event (numbers to <see cref="Digits"/> significant digits), the final checkpoint's parameter shapes with
/// a rounded checksum, and the console output with run-specific paths replaced.
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
        if (File.Exists(logPath))
            lines.AddRange(File.ReadLines(logPath).Select(RenderEvent));
        foreach (var name in outFiles)
        {
            lines.Add($"file {name}:");
            lines.AddRange(File.ReadLines(Path.Combine(outDir, name)).Select(l => RoundNumbers(l)));
        }
        var checkpoint = Path.Combine(outDir, $"{exercise}.safetensors");
        if (File.Exists(checkpoint)) lines.AddRange(RenderParams(checkpoint));
        lines.Add("stdout:");
        lines.AddRange(Normalize(r.Stdout, dir));
        lines.Add("stderr:");
        lines.AddRange(Normalize(r.Stderr, dir));
        Directory.Delete(dir, recursive: true);
        return [.. lines];
    }

    /// <summary>A number to <see cref="Digits"/> significant digits, invariant culture.</summary>
    public static string Num(double x) => double.IsFinite(x) ? x.ToString($"G{Digits}", CultureInfo.InvariantCulture) : x.ToString(CultureInfo.InvariantCulture);

    private static string RenderEvent(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return string.Join(" ", doc.RootElement.EnumerateObject().Select(p => p.Value.ValueKind switch
        {
            JsonValueKind.Number when p.Value.TryGetInt64(out var i) && !p.Value.GetRawText().Contains('.') && !p.Value.GetRawText().Contains('E') => $"{p.Name}={i}",
            JsonValueKind.Number => $"{p.Name}={Num(p.Value.GetDouble())}",
            JsonValueKind.String => p.Name == "event" ? p.Value.GetString()! : $"{p.Name}={p.Value.GetString()}",
            _ => $"{p.Name}={p.Value.GetRawText()}",
        }));
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
