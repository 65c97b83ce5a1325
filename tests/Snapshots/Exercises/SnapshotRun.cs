using System.Globalization;
using System.Text.Json;
using Functional.Snapshots.Shell;

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

    public static string[] Render(string exercise, params string[] options)
    {
        var dir = ShellRunner.TempDir();
        var log = Path.Combine(dir, "log.jsonl");
        var outDir = Path.Combine(dir, "out");
        string[] args = [exercise, .. options, "--log", log, "--out", outDir];
        var r = ShellRunner.Run(args);
        var lines = new List<string> { $"command: {exercise} {string.Join(" ", options)}", $"exit: {r.ExitCode}" };
        if (File.Exists(log))
            lines.AddRange(File.ReadLines(log).Select(RenderEvent));
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
        var file = Functional.Training.Checkpoints.SafeTensors.Deserialize(File.ReadAllBytes(checkpoint), checkpoint);
        foreach (var t in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            using var tensor = Functional.Training.Checkpoints.SafeTensors.ToTensor(t);
            using var d = tensor.to(TorchSharp.torch.ScalarType.Float64);
            var values = d.data<double>().ToArray();
            yield return $"param {t.Name} [{string.Join(", ", t.Shape)}] sum={Num(values.Sum())} abs_sum={Num(values.Sum(Math.Abs))}";
        }
    }

    private static IEnumerable<string> Normalize(string text, string dir) =>
        text.Replace(dir, "<tmp>").ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
}
