using System.Diagnostics;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>Resident memory stays flat over a 100,000-step run, measured in a process of its own.</summary>
public sealed class MemoryTests
{
    [Fact]
    public void A_100000_step_run_keeps_resident_memory_within_50_MB_of_its_warm_up()
    {
        var shell = Path.Combine(AppContext.BaseDirectory, "Functional.Shell.dll");
        var start = new ProcessStartInfo("dotnet", [shell, "bench", "memory", "--steps", "100000", "--every", "10000", "--max-growth-mb", "50"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "bench memory did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        Assert.Equal(10, stdout.Result.Split('\n').Count(l => l.StartsWith("step ")));
        Assert.Contains(": flat", stdout.Result);
    }
}
