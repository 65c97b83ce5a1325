using Functional.Formats;
namespace Functional.Shell.Reports;

/// <summary>What a run argument of <c>runs report</c> and <c>compare</c> names: a run folder, or the word <c>latest</c>.</summary>
internal static class RunPaths
{
    /// <summary>
    /// The folder <paramref name="argument"/> names. <c>latest</c> (when no such folder is in the current one) is
    /// <c>runs/&lt;exercise&gt;/latest</c> for <paramref name="exercise"/>, or without one the newest run under
    /// <c>runs/</c> of any exercise (folder names start with the start time). Nothing there is a <see cref="UsageException"/>
    /// naming <paramref name="what"/>.
    /// </summary>
    public static string Resolve(string argument, string? exercise, string what)
    {
        if (argument != RunLayout.Latest || Directory.Exists(argument)) return argument;
        if (exercise is not null)
        {
            var link = Path.Combine(RunLayout.Root, exercise, RunLayout.Latest);
            return Directory.Exists(link) ? link : throw new UsageException($"{what} latest: there is no {link} here");
        }
        var newest = Directory.Exists(RunLayout.Root)
            ? Directory.EnumerateDirectories(RunLayout.Root).Select(RunFolder.NewestRun).OfType<string>()
                .MaxBy(Path.GetFileName, StringComparer.Ordinal)
            : null;
        return newest ?? throw new UsageException($"{what} latest: there is no run under {RunLayout.Root}/ here");
    }
}
