using System.Text;
using Functional.Formats;
using Functional.Shell.Reports;

namespace Functional.Shell.Commands;

/// <summary><c>compare RUN_DIR RUN_DIR [...]</c>: runs of one exercise overlaid (a PNG and a page) with their final numbers and configuration differences.</summary>
internal static class CompareCommand
{
    /// <summary>The overlay's and the page's file names in the output folder.</summary>
    public const string PngFile = "compare.png", HtmlFile = "compare.html";

    public static Command Create(TextWriter stdout)
    {
        var folders = new Argument<string[]>("RUN_DIR")
        {
            Description = $"Two run folders or more, of one exercise; {RunLayout.Latest} is the newest run of the exercise the others ran", Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out", "-o") { Description = $"Where to write {PngFile} and {HtmlFile} (default: a new folder {RunLayout.Root}/compare/<time>)" };
        var command = new Command("compare", "Overlay runs' training loss, validation loss and accuracy per epoch (one PNG and a page), with their final numbers and the settings that differ");
        command.Arguments.Add(folders);
        command.Options.Add(output);
        command.SetAction((r, _) => Task.FromResult(Run(r.GetValue(folders)!, r.GetValue(output), stdout)));
        return command;
    }

    private static int Run(string[] arguments, string? output, TextWriter stdout)
    {
        if (arguments.Length < 2) throw new UsageException($"compare takes two runs or more, got {arguments.Length}");
        // 'latest' is the newest run of the exercise the other folders ran (or of any exercise when all are 'latest').
        var named = arguments.Where(a => a != RunLayout.Latest || Directory.Exists(a)).Select(a => RunRecord.Read(a, "compare")).ToList();
        var exercise = named.Count > 0 ? named[0].Exercise : null;
        var runs = arguments.Select(a => a != RunLayout.Latest || Directory.Exists(a) ? named.First(n => n.Folder == RunFolder.RealPath(a))
            : RunRecord.Read(RunPaths.Resolve(a, exercise, "compare"), "compare")).ToList();
        var comparison = Comparison.Of(runs);
        var dir = OutputFolder(output);
        var png = CurvePanels.Png(comparison.Panels(), "epoch", columns: 2, sharedLegend: true);
        if (png is not null) WriteAtomic(Path.Combine(dir, PngFile), png);
        WriteAtomic(Path.Combine(dir, HtmlFile), new UTF8Encoding(false).GetBytes(comparison.Page(png, dir)));
        stdout.Write(comparison.Text());
        stdout.WriteLine();
        stdout.WriteLine($"wrote {string.Join(", ", new[] { png is null ? null : PngFile, HtmlFile }.OfType<string>().Select(f => RunFolder.Display(Path.Combine(dir, f))))}");
        return ExitCodes.Ok;
    }

    // --out DIR (made if missing; never a run's folder), or a new folder runs/compare/<time>[-n].
    private static string OutputFolder(string? output)
    {
        if (output is not null)
        {
            var full = Path.GetFullPath(output);
            if (File.Exists(full)) throw new UsageException($"compare --out {output}: is a file, expected a folder");
            if (RunFolder.HoldsRun(full)) throw new UsageException($"compare --out {output}: holds a run; give a folder of its own");
            Directory.CreateDirectory(full);
            return full;
        }
        var root = Path.GetFullPath(Path.Combine(RunLayout.Root, "compare"));
        Directory.CreateDirectory(root);
        var stem = DateTime.Now.ToString("yyyyMMdd-HHmmss", Inv);
        for (var n = 1; ; n++)
        {
            var dir = Path.Combine(root, n == 1 ? stem : $"{stem}-{n}");
            try
            {
                // CreateDirectory succeeds on an existing folder: a name is ours only if we made it.
                if (Directory.Exists(dir)) continue;
                Directory.CreateDirectory(dir);
                return dir;
            }
            catch (IOException) when (n < 1000)
            {
                // Taken a moment ago: the next name.
            }
        }
    }

    private static void WriteAtomic(string path, byte[] bytes)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.tmp-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
