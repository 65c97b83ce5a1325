using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Functional.Shell;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// A folder per run (docs/run-format.md): default folders under runs/ named by the start time, a suffix for a second run
/// in the same second, --name, the latest link, --resume latest, runs list and runs rm; metrics.csv follows the log.
/// </summary>
public sealed class RunFolderTests
{
    [Fact]
    public void Runs_starting_in_the_same_second_get_folders_of_their_own_and_name_adds_to_the_name()
    {
        var root = Path.Combine(ShellRunner.TempDir(), "runs", "logic");
        var start = new DateTime(2026, 11, 30, 13, 10, 0);
        var (a, lockA) = RunFolder.Create(root, null, start, TextWriter.Null);
        var (b, lockB) = RunFolder.Create(root, null, start, TextWriter.Null);
        var (c, lockC) = RunFolder.Create(root, "try", start, TextWriter.Null);
        using (lockA)
        using (lockB)
        using (lockC)
        {
            Assert.Equal(["20261130-131000", "20261130-131000-2", "20261130-131000-try"], new[] { a, b, c }.Select(Path.GetFileName));
            Assert.All(new[] { a, b, c }, f => Assert.True(File.Exists(Path.Combine(f, "run.lock"))));
        }
        // A folder that holds something is taken even without a lock (a finished run); an empty one is free again.
        File.WriteAllText(Path.Combine(a, "log.jsonl"), "");
        File.WriteAllText(Path.Combine(b, "log.jsonl"), "");
        var (d, lockD) = RunFolder.Create(root, null, start, TextWriter.Null);
        lockD.Dispose();
        Assert.Equal("20261130-131000-3", Path.GetFileName(d));
    }

    [Fact]
    public void Default_runs_go_under_runs_with_a_latest_link_that_resume_list_and_rm_follow()
    {
        var cwd = ShellRunner.TempDir();
        var first = Shell(cwd, "logic", "--epochs", "3", "-q");
        Assert.True(first.Code == 0, first.Stderr);
        var second = Shell(cwd, "logic", "--epochs", "2", "-q", "--name", "second");
        Assert.True(second.Code == 0, second.Stderr);
        var logic = Path.Combine(cwd, "runs", "logic");
        var runs = Directory.GetDirectories(logic).Select(Path.GetFileName).Where(n => n != "latest").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, n => Assert.Matches("^[0-9]{8}-[0-9]{6}(-second)?$", n));
        var named = runs.Single(n => n!.EndsWith("-second"));
        var plain = runs.Single(n => n != named);
        Assert.Equal(named, new FileInfo(Path.Combine(logic, "latest")).LinkTarget); // relative: the folder's name
        Assert.Contains($"checkpoint: runs/logic/{named}/checkpoints/step-000000008", second.Stdout);

        var resumed = Shell(cwd, "logic", "--epochs", "4", "-q", "--resume", "latest");
        Assert.True(resumed.Code == 0, resumed.Stderr);
        Assert.Contains("resuming at epoch 3, batch 0", resumed.Stdout);
        Assert.Equal(4 * 5 + 1, File.ReadAllLines(Path.Combine(logic, named!, "log.jsonl")).Length - 1);

        var list = Shell(cwd, "runs", "list");
        Assert.True(list.Code == 0, list.Stderr);
        var rows = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("run ", rows[0]);
        Assert.Matches($"^runs/logic/{plain} +logic +[0-9-]+ [0-9:]+ +completed +epoch 3, loss [0-9.E-]+$", rows[1]);
        Assert.Matches($"^runs/logic/{named} +logic +[0-9-]+ [0-9:]+ +completed +epoch 4, loss [0-9.E-]+$", rows[2]);

        var rm = Shell(cwd, "runs", "rm", "runs/logic/latest");
        Assert.True(rm.Code == 0, rm.Stderr);
        Assert.Equal($"removed runs/logic/{named}\nruns/logic/latest now names {plain}\n", rm.Stdout);
        Assert.False(Directory.Exists(Path.Combine(logic, named!)));
        Assert.Equal(plain, new FileInfo(Path.Combine(logic, "latest")).LinkTarget);
        var notRun = Shell(cwd, "runs", "rm", "runs");
        Assert.Equal(2, notRun.Code);
        Assert.Equal("error: runs rm runs: not a run folder (it has no log.jsonl)", notRun.Stderr.Trim());
        Directory.Delete(cwd, recursive: true);
    }

    [Theory]
    [InlineData("--name x --out {dir}", "error: --name names a folder under runs/; with --out the folder is the one given")]
    [InlineData("--name x --resume {dir}", "error: --name names a new run's folder; a resumed run continues in its own")]
    [InlineData("--name ../up", "error: --name ../up: use 1 to 64 letters, digits, '-', '_' or '.' (not starting with '.')")]
    [InlineData("--force --resume {dir}", "error: --force replaces a run and --resume continues one: give one of them")]
    [InlineData("--keep 0", "error: --keep must be 1 or more, got 0")]
    [InlineData("--resume latest", "error: --resume latest: there is no runs/logic/latest here (no run of logic was started from this folder)")]
    public void Run_folder_options_that_contradict_each_other_are_refused_with_one_line(string options, string message)
    {
        var dir = ShellRunner.TempDir();
        var r = ShellRunner.Run(["logic", "-q", .. options.Replace("{dir}", dir).Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(message, r.Stderr.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    public void Metrics_hold_one_row_per_epoch_event_of_the_log()
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        var r = ShellRunner.Run("regression", "--preset", "split", "--epochs", "7", "-q", "--out", dir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var epochs = File.ReadLines(Path.Combine(dir, "log.jsonl")).Skip(1).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "epoch")
            .Select(e => string.Join(",", "1", e.GetProperty("epoch").GetInt32().ToString(CultureInfo.InvariantCulture),
                e.GetProperty("loss").GetRawText(), e.GetProperty("val_loss").GetRawText(), ""));
        Assert.Equal(["part,epoch,loss,val_loss,accuracy", .. epochs], File.ReadAllLines(Path.Combine(dir, "metrics.csv")));
    }

    /// <summary>The built shell run as a process in <paramref name="cwd"/> (runs/ is relative to the current folder).</summary>
    internal static (int Code, string Stdout, string Stderr) Shell(string cwd, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { WorkingDirectory = cwd };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Functional.Shell.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var shell = ShellProcess.Start(start);
        var code = shell.WaitForExit(TimeSpan.FromMinutes(2));
        return (code, shell.Stdout.ReplaceLineEndings("\n"), shell.Stderr);
    }
}
