using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// How the real process ends (<c>NativeTeardown</c>: the native libraries' destructors are skipped after .NET has shut
/// down): the exit code is the run's, everything written reaches the pipe, and the runtime's own files are gone.
/// </summary>
public sealed class ProcessExitTests
{
    private static (int Code, string Stdout, string Stderr, int Pid) Run(params string[] args)
    {
        using var shell = ShellProcess.Start(args);
        var code = shell.WaitForExit(TimeSpan.FromMinutes(2));
        return (code, shell.Stdout, shell.Stderr, shell.Pid);
    }

    [Fact]
    public void A_completed_run_exits_0_with_its_last_line_written_and_the_runtimes_files_removed()
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        var (code, stdout, stderr, pid) = Run("logic", "--epochs", "2", "--out", dir);
        Assert.True(code == 0, stderr);
        // The last lines a run prints come after its report is written: they reached the pipe before the process ended.
        var lines = stdout.TrimEnd().Split('\n');
        Assert.StartsWith("wrote to ", lines[^2]);
        Assert.Equal($"report: {dir}/report.html", lines[^1]);
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));
        // .NET removes its diagnostics socket and debugger pipes as it shuts down, before the native destructors that are skipped.
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*"));
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), $"clr-debug-pipe-{pid}-*"));
    }

    [Fact]
    public void Bad_input_and_a_diverged_run_keep_their_exit_codes()
    {
        var bad = Run("logic", "--epochs", "abc");
        Assert.Equal(2, bad.Code);
        Assert.Equal("error: --epochs must be a whole number (digits, no separators), got 'abc' (see --help)", bad.Stderr.Trim());

        var diverged = Run("xor", "--epochs", "2", "--lr", "1e30", "--out", Path.Combine(ShellRunner.TempDir(), "run"), "--quiet");
        Assert.True(diverged.Code == 3, diverged.Stderr);
    }
}
