using System.Text.Json;
using Functional.Shell.Verdicts;

namespace Functional.Shell.Reports;

/// <summary>
/// The verdicts a report states in words: the exercise's own verdict function (<see cref="Summaries.Verdict"/>) applied
/// to the numbers of the run's <c>summary</c> event, so a report says the very sentences the console printed when the
/// run ended. There is no second set of verdicts.
/// </summary>
internal static class Verdicts
{
    /// <summary>The run's verdicts, one sentence each; empty when its log holds no summary the exercises' verdicts can read (a run that did not complete, a log of an older format).</summary>
    public static IReadOnlyList<string> Of(RunRecord run)
    {
        if (run.Summary is not { } summary) return [];
        try
        {
            return Summaries.Verdict(Summaries.Read(summary.GetRawText()));
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidDataException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // A summary without an exercise's numbers (an older log, a hand-edited one, arrays of the wrong length): the report shows its fields, states no verdict.
            return [];
        }
    }
}
