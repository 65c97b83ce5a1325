using System.Diagnostics;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>Resident memory stays flat over a 100,000-step run, measured in a process of its own.</summary>
public sealed class MemoryTests
{
    [Fact]
    public async Task A_100000_step_run_keeps_resident_memory_within_50_MB_of_its_warm_up()
    {
        var shell = Path.Combine(AppContext.BaseDirectory, "Functional.Shell.dll");
        var start = new ProcessStartInfo("dotnet", [shell, "bench", "memory", "--steps", "100000", "--every", "10000", "--max-growth-mb", "50"])
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
        Assert.Equal(10, stdout.Split('\n').Count(l => l.StartsWith("step ")));
        Assert.Contains(": flat", stdout);
    }
}
