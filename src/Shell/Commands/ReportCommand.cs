using Functional.Formats;
using Functional.Shell.Reports;

namespace Functional.Shell.Commands;

/// <summary><c>runs report</c>: makes a run's <c>report.html</c> again from its folder (a run writes one when it ends).</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var folders = new Argument<string[]>("RUN_DIR")
        {
            Description = $"Run folders, or {RunLayout.Latest} (the newest run under {RunLayout.Root}/)", Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out", "-o") { Description = $"Write the report to this file instead of RUN_DIR/{RunReport.FileName} (one run only)" };
        var command = new Command("report", $"Make a run's {RunReport.FileName} again from its folder: its log, metrics, plots and checkpoints");
        command.Arguments.Add(folders);
        command.Options.Add(output);
        command.SetAction((r, _) => Task.FromResult(Run(r.GetValue(folders)!, r.GetValue(output), stdout)));
        return command;
    }

    private static int Run(string[] folders, string? output, TextWriter stdout)
    {
        if (output is not null && folders.Length > 1) throw new UsageException("runs report --out: names one file, so give one run");
        if (output is not null)
        {
            var full = Path.GetFullPath(output);
            if (Directory.Exists(full)) throw new UsageException($"runs report --out {output}: is a folder, expected a file path");
            if (!Directory.Exists(Path.GetDirectoryName(full))) throw new UsageException($"runs report --out {output}: folder {Path.GetDirectoryName(full)} does not exist");
        }
        // Every folder is read before anything is written: one that is not a run writes nothing.
        var runs = folders.Select(f => RunRecord.Read(RunPaths.Resolve(f, null, "runs report"), "runs report")).ToList();
        foreach (var run in runs)
            stdout.WriteLine($"wrote {RunFolder.Display(RunReport.Write(run, output))}");
        return ExitCodes.Ok;
    }
}
