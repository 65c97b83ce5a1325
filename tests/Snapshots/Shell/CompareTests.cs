using System.Globalization;
using Xunit;
using static Functional.Snapshots.Shell.ReportTests;

namespace Functional.Snapshots.Shell;

/// <summary>
/// <c>compare</c>: two runs overlaid in one PNG and a self-contained page, the printed table of final numbers (the logs'
/// last epochs) and of the configuration keys that differ (only those), <c>latest</c>, and its one-line refusals.
/// </summary>
public sealed class CompareTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [Fact]
    public void Two_runs_are_overlaid_with_their_final_numbers_and_only_the_settings_that_differ()
    {
        var root = ShellRunner.TempDir();
        var (a, b) = (Path.Combine(root, "slow"), Path.Combine(root, "fast"));
        Assert.Equal(0, ShellRunner.Run("xor", "--epochs", "2", "--out", a, "--quiet").ExitCode);
        Assert.Equal(0, ShellRunner.Run("xor", "--epochs", "2", "--lr", "0.1", "--activation", "tanh", "--out", b, "--quiet").ExitCode);
        var outDir = Path.Combine(root, "cmp");
        var r = ShellRunner.Run("compare", a, b, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var stdout = r.Stdout.ReplaceLineEndings("\n").Split('\n');

        // The table of final numbers: a row per run with its last epoch's values as the log has them (6 digits, accuracy in %).
        Assert.Equal("compare: 2 runs of xor", stdout[0]);
        var head = Cells(stdout[2]);
        Assert.Equal(["run", "status", "epochs", "training", "loss", "test", "loss", "accuracy"], head.Take(8));
        foreach (var (dir, line) in new[] { (a, stdout[3]), (b, stdout[4]) })
        {
            var last = Log.Read(dir).Epochs[^1];
            Assert.Equal([Path.GetFileName(dir), "completed", "2", last.Loss.ToString("G6", Inv), last.Val!.Value.ToString("G6", Inv),
                (100 * last.Accuracy!.Value).ToString("0.0", Inv), "%"], Cells(line).Take(7));
        }

        // The differences: exactly the keys that differ, with each run's value.
        var at = Array.IndexOf(stdout, "configuration differences:");
        Assert.True(at > 0, r.Stdout);
        var diffs = stdout.Skip(at + 2).TakeWhile(l => l.Length > 0 && !l.StartsWith("wrote", StringComparison.Ordinal)).Select(Cells).ToList();
        Assert.Equal(["slow", "fast"], Cells(stdout[at + 1]).Skip(1));
        Assert.Equal([["Activation", "sigmoid", "tanh"], ["Lr", "0.01", "0.1"]], diffs.Select(d => d.ToArray()));
        Assert.Equal($"wrote {Path.Combine(outDir, "compare.png")}, {Path.Combine(outDir, "compare.html")}", stdout.Last(l => l.Length > 0));

        // The overlay and the page.
        var png = File.ReadAllBytes(Path.Combine(outDir, "compare.png"));
        Assert.Equal(0x89, png[0]);
        var (html, doc) = Parse(Path.Combine(outDir, "compare.html"));
        AssertSelfContained(html, doc, outDir);
        Assert.Equal(png, DataUri(doc.QuerySelector("#curves-figure img")!.GetAttribute("src")!));
        var finals = doc.QuerySelectorAll("table.finals tbody tr");
        Assert.Equal(2, finals.Length);
        foreach (var (dir, row) in new[] { a, b }.Zip(finals))
        {
            var last = Log.Read(dir).Epochs[^1];
            var cells = row.QuerySelectorAll("td");
            Assert.Equal(Path.GetFileName(dir), cells[0].TextContent);
            AssertNumber(last.Loss, cells[2], percent: false);
            AssertNumber(last.Val!.Value, cells[3], percent: false);
            AssertNumber(last.Accuracy!.Value, cells[4], percent: true);
        }
        Assert.Equal(["Activation", "Lr"], doc.QuerySelectorAll("table.differences tbody tr").Select(tr => tr.Children[0].TextContent));
        // Each run's own report is linked, and the link leads to it.
        foreach (var link in doc.QuerySelectorAll("table.runs a"))
            Assert.True(File.Exists(Path.GetFullPath(Path.Combine(outDir, Uri.UnescapeDataString(link.GetAttribute("href")!)))), link.GetAttribute("href"));
    }

    [Fact]
    public void Latest_is_the_newest_run_of_the_exercise_the_others_ran_and_the_default_output_is_under_runs_compare()
    {
        var cwd = ShellRunner.TempDir();
        Assert.Equal(0, RunFolderTests.Shell(cwd, "logic", "--epochs", "3", "-q", "--name", "first").Code);
        Assert.Equal(0, RunFolderTests.Shell(cwd, "logic", "--epochs", "4", "-q", "--name", "second").Code);
        var first = Directory.GetDirectories(Path.Combine(cwd, "runs", "logic"), "*-first").Single();
        var r = RunFolderTests.Shell(cwd, "compare", $"runs/logic/{Path.GetFileName(first)}", "latest");
        Assert.True(r.Code == 0, r.Stderr);
        Assert.Contains("compare: 2 runs of logic", r.Stdout);
        Assert.Contains("-second", r.Stdout);
        var made = Directory.GetDirectories(Path.Combine(cwd, "runs", "compare")).Single();
        Assert.Matches(@"^\d{8}-\d{6}$", Path.GetFileName(made));
        Assert.True(File.Exists(Path.Combine(made, "compare.html")) && File.Exists(Path.Combine(made, "compare.png")));
        // Epochs differ; nothing else does (the run names are not settings).
        var lines = r.Stdout.Split('\n');
        var at = Array.IndexOf(lines, "configuration differences:");
        Assert.Matches(@"^  Epochs +3 +4$", lines[at + 2]);
        Assert.Equal("", lines[at + 3]);
    }

    [Fact]
    public void Runs_of_different_exercises_a_folder_that_is_not_a_run_one_run_or_a_run_twice_are_one_line_and_exit_2()
    {
        var root = ShellRunner.TempDir();
        var (xor, logic, other) = (Path.Combine(root, "xor"), Path.Combine(root, "logic"), Path.Combine(root, "not-a-run"));
        Assert.Equal(0, ShellRunner.Run("xor", "--epochs", "1", "--out", xor, "--quiet").ExitCode);
        Assert.Equal(0, ShellRunner.Run("logic", "--epochs", "2", "--out", logic, "--quiet").ExitCode);
        Directory.CreateDirectory(other);
        var cases = new (string[] Args, string Line)[]
        {
            ([xor, logic], $"error: compare: {xor} is a run of xor, {logic} of logic; compare runs of one exercise"),
            ([xor, other], $"error: compare {other}: not a run folder (it has no log.jsonl)"),
            ([xor, Path.Combine(root, "missing")], $"error: compare {Path.Combine(root, "missing")}: no such folder"),
            ([xor], "error: compare takes two runs or more, got 1"),
            ([xor, xor], $"error: compare: {xor} is named twice"),
            ([xor, logic + "/", "--out", xor], $"error: compare: {xor} is a run of xor, {logic} of logic; compare runs of one exercise"),
        };
        foreach (var (args, line) in cases)
        {
            var r = ShellRunner.Run(["compare", .. args]);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal(line + "\n", r.Stderr.ReplaceLineEndings("\n"));
            Assert.Equal("", r.Stdout);
        }
        // An output folder that holds a run is refused too, and nothing is written there.
        var second = Path.Combine(root, "xor2");
        Assert.Equal(0, ShellRunner.Run("xor", "--epochs", "1", "--seed", "2", "--out", second, "--quiet").ExitCode);
        var refused = ShellRunner.Run("compare", xor, second, "--out", logic);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"error: compare --out {logic}: holds a run; give a folder of its own\n", refused.Stderr.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(Path.Combine(logic, "compare.html")));
    }

    private static IReadOnlyList<string> Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
