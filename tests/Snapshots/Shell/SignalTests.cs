using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>Signals sent to the real process: a second Ctrl+C ends the run at once and cleanly.</summary>
public sealed class SignalTests
{
    // Native crash signatures: a SIGSEGV/SIGABRT death (exit 139/134) or libtorch's assertion and frame dumps.
    private static readonly string[] NativeCrash = ["INTERNAL ASSERT", "Segmentation", "Aborted", "frame #", "   at "];

    [Fact]
    public void Two_interrupts_10_ms_apart_exit_130_without_a_native_crash_in_10_of_10_tries()
    {
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var dir = ShellRunner.TempDir();
            using var shell = ShellProcess.Start("regression", "--epochs", "200000", "--out", dir);
            Assert.True(shell.WaitFor("regression:", TimeSpan.FromSeconds(60)), $"try {attempt}: the run did not start\n{shell.Stderr}");
            // Land the signals at a different point of the step loop on each try.
            Thread.Sleep(200 + 37 * attempt);
            shell.Signal(ShellProcess.SIGINT);
            Thread.Sleep(10);
            shell.Signal(ShellProcess.SIGINT);
            var code = shell.WaitForExit(TimeSpan.FromSeconds(30));
            var stderr = shell.Stderr;
            Assert.True(code == 130, $"try {attempt}: exit {code}\n{stderr}");
            var crash = NativeCrash.FirstOrDefault(c => stderr.Contains(c, StringComparison.Ordinal));
            Assert.True(crash is null, $"try {attempt}: native crash ('{crash}')\n{stderr}");
        }
    }
}
