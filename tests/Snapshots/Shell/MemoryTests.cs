using System.Diagnostics;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>Resident memory stays flat over a 100,000-step run, measured in a process of its own.</summary>
public sealed class MemoryTests
{
    [Fact]
    public async Task A_100000_step_run_keeps_resident_memory_within_50_MB_of_its_warm_up()
    {
        var stdout = await Bench("--steps", "100000", "--every", "10000", "--max-growth-mb", "50");
        Assert.Equal(10, stdout.Split('\n').Count(l => l.StartsWith("step ")));
    }

    [Fact]
    public async Task Repeated_xor_experiments_suites_keep_resident_memory_within_50_MB_of_the_first()
    {
        var stdout = await Bench("--suite", "xor-experiments", "--suites", "4", "--suite-epochs", "2", "--max-growth-mb", "50");
        Assert.Equal(4, stdout.Split('\n').Count(l => l.StartsWith("suite ")));
    }

    private static async Task<string> Bench(params string[] options)
    {
        var shell = Path.Combine(AppContext.BaseDirectory, "Functional.Shell.dll");
        var start = new ProcessStartInfo("dotnet", [shell, "bench", "memory", .. options])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var (stdout, stderr) = (await stdoutTask, await stderrTask);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{stdout}\n{stderr}");
        Assert.Contains(": flat", stdout);
        return stdout;
    }
}
