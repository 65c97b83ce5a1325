using System.Text.Json;

namespace Functional.Shell.Reports;

/// <summary>
/// The verdicts a report states in words, in one place: today the lines the run's <c>summary</c> event carries in its
/// <c>verdict</c> field (an array of strings), which the console printed from the same numbers. When the exercises'
/// verdict functions take the summary's numbers, this is the one call to point at them.
/// </summary>
internal static class Verdicts
{
    /// <summary>The summary field that holds the verdict lines.</summary>
    public const string Field = "verdict";

    /// <summary>The run's verdicts, one sentence each; empty when its log holds none.</summary>
    public static IReadOnlyList<string> Of(RunRecord run) =>
        run.Summary is { } summary && summary.TryGetProperty(Field, out var verdict)
            ? verdict.ValueKind switch
            {
                JsonValueKind.Array => [.. verdict.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)],
                JsonValueKind.String => [verdict.GetString()!],
                _ => [],
            }
            : [];
}
