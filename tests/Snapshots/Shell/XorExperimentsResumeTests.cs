using System.Text.RegularExpressions;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>The uninterrupted small suite the resume tests compare with (run once for the class).</summary>
public sealed class UninterruptedSuite
{
    public static readonly string[] Options = ["xor-experiments", "--repeats", "2", "--epochs", "3", "--max-hidden", "3", "--seed", "1", "-q"];

    public UninterruptedSuite()
    {
        Dir = Path.Combine(ShellRunner.TempDir(), "full");
        var r = ShellRunner.Run([.. Options, "--out", Dir]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"the uninterrupted suite failed ({r.ExitCode}): {r.Stderr}");
    }

    public string Dir { get; }
}

/// <summary>
/// xor-experiments interrupted like Ctrl+C (at an epoch, at a stage boundary, in the second ensemble, mid-epoch) exits 130
/// with a checkpoint and the resume command; resumed from it, the suite finishes with the results of an uninterrupted
/// suite: the same CSV and JSON bytes (but the JSON's wall-clock seconds), the same plots and the same final params.
/// </summary>
public sealed class XorExperimentsResumeTests(UninterruptedSuite full) : IClassFixture<UninterruptedSuite>
{
    /// <summary>Cancels (as Ctrl+C does) once a line containing the trigger is written, after an optional delay.</summary>
    private sealed class CancelOn(string trigger, CancellationTokenSource cts, TimeSpan delay) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger) != true) return;
            if (delay == TimeSpan.Zero) { cts.Cancel(); return; }
            // A thread of its own, not CancelAfter: CancelAfter's timer runs on the thread pool, which the other tests
            // running in parallel can starve past the end of the suite (CI saw the run finish with exit 0).
            new Thread(() =>
            {
                Thread.Sleep(delay);
                try { cts.Cancel(); }
                catch (ObjectDisposedException) { } // the run already ended; Interrupt's exit-code check reports it
            }) { IsBackground = true }.Start();
        }
    }

    // The progress lines on a redirected stderr ("xor-experiments: 500/3000 ensemble steps …") come after every epoch
    // of this suite (2 ensembles × 3 epochs × 500 steps): the cancellation then stops the run before the next step.
    [Theory]
    [InlineData("500/3000", "epoch 2, batch 0", 500)] // inside the first ensemble, at an epoch boundary
    [InlineData("1500/3000", "epoch 1, batch 0", 1500)] // the first ensemble done (its checkpoint written), the second not started
    [InlineData("2500/3000", "epoch 3, batch 0", 2500)] // inside the second ensemble
    public async Task Interrupted_at_an_epoch_and_resumed_equals_the_uninterrupted_suite(string trigger, string where, int step)
    {
        var (dir, stderr) = await Interrupt(trigger, TimeSpan.Zero);
        Assert.Contains($"interrupted at {where}; checkpoint saved to {dir}/checkpoints/step-{step:D9}; resume with: ", stderr);
        ResumeAndCompare(dir);
    }

    [Fact]
    public async Task Interrupted_mid_epoch_and_resumed_equals_the_uninterrupted_suite()
    {
        // An epoch of the first ensemble (500 steps) takes 0.17-0.2 s on an idle machine here and seconds under load: a
        // cancellation 50 ms into its second epoch lands between two of its steps, well before the ensemble's last epoch
        // ends (0.3 s did overshoot once the machine was idle).
        var (dir, stderr) = await Interrupt("500/3000", TimeSpan.FromMilliseconds(50));
        Assert.Matches(new Regex("interrupted at epoch [23], batch \\d+; checkpoint saved to "), stderr);
        ResumeAndCompare(dir);
    }

    [Fact]
    public async Task Resuming_with_other_options_is_refused_with_one_line()
    {
        var (dir, _) = await Interrupt("500/3000", TimeSpan.Zero);
        string[] other = [.. UninterruptedSuite.Options.Select(a => a == "2" ? "3" : a)]; // --repeats 3
        var r = ShellRunner.Run([.. other, "--resume", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: --resume {dir}: the checkpoint was made with Repeats 2, this run has 3", r.Stderr.Trim());
    }

    private static async Task<(string Dir, string Stderr)> Interrupt(string trigger, TimeSpan delay)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "part");
        using var cts = new CancellationTokenSource();
        var stdout = new StringWriter();
        var stderr = new CancelOn(trigger, cts, delay);
        // Not quiet: the progress lines on stderr are the trigger.
        string[] args = [.. UninterruptedSuite.Options.Where(a => a != "-q"), "--out", dir];
        var code = await Functional.Shell.Cli.RunAsync(args, stdout, stderr, cts.Token);
        Assert.True(code == 130, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("--resume", stderr.ToString());
        Assert.NotEmpty(Directory.GetDirectories(Path.Combine(dir, "checkpoints"), "step-*"));
        return (dir, stderr.ToString());
    }

    private void ResumeAndCompare(string dir)
    {
        var resumed = ShellRunner.Run([.. UninterruptedSuite.Options, "--resume", dir]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming ", resumed.Stdout);
        Assert.Equal(File.ReadAllBytes($"{full.Dir}/xor-experiments.csv"), File.ReadAllBytes($"{dir}/xor-experiments.csv"));
        Assert.Equal(WithoutSeconds($"{full.Dir}/xor-experiments.json"), WithoutSeconds($"{dir}/xor-experiments.json"));
        Assert.Contains("\"complete\": true", File.ReadAllText($"{dir}/xor-experiments.json"));
        var plots = Directory.GetFiles(full.Dir, "*.png").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(4, plots.Count); // experiments 1-3 share one figure, then 4, 5 and 6
        Assert.Equal(plots, Directory.GetFiles(dir, "*.png").Select(Path.GetFileName).Order().ToList());
        foreach (var png in plots) Assert.True(File.ReadAllBytes($"{full.Dir}/{png}").SequenceEqual(File.ReadAllBytes($"{dir}/{png}")), $"{png} differs");
        Assert.Equal(ResumeTests.ParamsBytes(full.Dir), ResumeTests.ParamsBytes(dir));
        // The log holds every member_epoch event once, in order, as the uninterrupted suite's does.
        Assert.Equal(ResumeTests.Events($"{full.Dir}/log.jsonl"), ResumeTests.Events($"{dir}/log.jsonl"));
        Assert.Equal(File.ReadAllLines($"{full.Dir}/metrics.csv"), File.ReadAllLines($"{dir}/metrics.csv"));
    }

    // The one field that measures the wall clock, not the results.
    private static string WithoutSeconds(string json) => Regex.Replace(File.ReadAllText(json), "\"seconds\": [0-9.]+", "\"seconds\": _");
}
