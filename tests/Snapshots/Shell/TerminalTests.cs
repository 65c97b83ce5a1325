using System.Diagnostics;
using Functional.Shell;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The shell in a real terminal (a tmux pane: a pseudo-terminal with a screen to read back), where a live progress bar
/// redraws itself: what a user sees is the screen, not the bytes written.
/// </summary>
public sealed class TerminalTests
{
    [Fact]
    public void Ctrl_C_under_the_progress_bar_leaves_the_whole_resume_command_on_the_screen()
    {
        var dir = ShellRunner.TempDir();
        var run = Path.Combine(dir, "run");
        using var tmux = Tmux.Start(dir, columns: 100, rows: 30,
            ["dotnet", Path.Combine(AppContext.BaseDirectory, "Functional.Shell.dll"), "regression", "--epochs", "200000", "--out", run]);
        // The bar shows its rate once it has drawn; then Ctrl+C is typed into the terminal, as a user would.
        Assert.True(tmux.WaitFor(s => s.Contains("epochs/s", StringComparison.Ordinal), TimeSpan.FromSeconds(120)), $"no progress bar appeared:\n{tmux.Screen()}");
        tmux.Keys("C-c");
        Assert.True(tmux.WaitFor(s => s.Contains("EXIT=", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), $"the run did not end:\n{tmux.Screen()}");
        var screen = tmux.Screen();
        Assert.Contains("EXIT=130", screen);
        Assert.Contains("interrupt: finishing the current step", screen);
        Assert.Matches(@"interrupted at epoch \d+, batch \d+; checkpoint saved to run/checkpoints/step-\d{9}; ", screen);
        Assert.Contains($"resume with: ./functional regression --epochs 200000 --out {CommonOptions.ShellQuote(run)} --resume run", screen);
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>A detached tmux session on a server of its own, running one command; the screen is read back with wrapped lines joined.</summary>
    private sealed class Tmux : IDisposable
    {
        private readonly string _socket = $"functional-test-{Guid.NewGuid():N}";

        public static Tmux Start(string folder, int columns, int rows, IReadOnlyList<string> command)
        {
            var tmux = new Tmux();
            // The command's exit code is printed after it, and the pane stays open to be read.
            var line = $"cd {CommonOptions.ShellQuote(folder)} && {string.Join(" ", command.Select(CommonOptions.ShellQuote))}; echo EXIT=$?; sleep 600";
            tmux.Run("new-session", "-d", "-s", "t", "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), line);
            return tmux;
        }

        /// <summary>The visible screen, wrapped lines joined.</summary>
        public string Screen() => Run("capture-pane", "-p", "-J", "-t", "t");

        public void Keys(string keys) => Run("send-keys", "-t", "t", keys);

        public bool WaitFor(Func<string, bool> seen, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (seen(Screen())) return true;
                Thread.Sleep(200);
            }
            return false;
        }

        private string Run(params string[] args)
        {
            var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-L", _socket }.Concat(args)) start.ArgumentList.Add(a);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("this test needs tmux (apt-get install tmux; .ci/run installs it)", e);
            }
            using (process)
            {
                var output = process.StandardOutput.ReadToEnd();
                var error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(" ", args)}: exit {process.ExitCode}: {error}");
                return output;
            }
        }

        public void Dispose()
        {
            try
            {
                Run("kill-server");
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
    }
}
