using System.Text.RegularExpressions;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// Every command speaks one way (issue 15, item 7): a share as <c>93.5 %</c>, an epoch line as
/// <c>epoch  N/M  train loss …</c>, what a run wrote as <c>wrote to FOLDER: …</c>; <c>--quiet</c> prints only the final
/// summary; the accuracy measure is stated where accuracy is shown; bench reports ratios, not internal targets.
/// </summary>
public sealed class OneVoiceTests
{
    public static TheoryData<string[]> Exercises() => new()
    {
        { ["logic", "--epochs", "20"] },
        { ["regression", "--epochs", "30", "--split", "0.8"] },
        { ["blobs", "--epochs", "5"] },
        { ["xor", "--epochs", "1"] },
        { ["xor-experiments", "--only", "1", "--repeats", "1", "--epochs", "2"] },
        { ["mnist", "--limit", "300", "--epochs", "1"] },
    };

    private static readonly Regex EpochLine = new(@"^epoch +[0-9]+/[0-9]+  (batch +[0-9]+/[0-9]+  )?train loss ", RegexOptions.Compiled);

    [Theory]
    [MemberData(nameof(Exercises))]
    public void A_run_speaks_in_one_voice(string[] command)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        var loud = ShellRunner.Run([.. command, "--out", dir]);
        Assert.True(loud.ExitCode == 0, loud.Stderr);
        var lines = loud.Stdout.ReplaceLineEndings("\n").Split('\n');

        // Epoch lines: one format everywhere.
        var epochs = lines.Where(l => l.StartsWith("epoch", StringComparison.Ordinal)).ToList();
        if (command[0] != "xor-experiments") Assert.NotEmpty(epochs);
        Assert.All(epochs, l => Assert.Matches(EpochLine, l));

        // Shares: one decimal and a space before the sign; never a bare fraction for an accuracy.
        Assert.DoesNotMatch(@"[0-9]%", loud.Stdout);
        Assert.DoesNotMatch(@"accuracy[ :]+0\.[0-9]{4}", loud.Stdout);
        // A measured share has one decimal; "100 %" and "50 %" are the thresholds the sentences name ("never 100 %", "below 50 %").
        Assert.All(Regex.Matches(loud.Stdout, @"[0-9.]+ %").Select(m => m.Value).Where(p => p is not "100 %" and not "50 %"), p => Assert.Matches(@"^[0-9]+\.[0-9] %$", p));

        // What it wrote: one line, "wrote to <folder>: …", and no other way of announcing files.
        Assert.Single(lines, l => l.StartsWith($"wrote to {dir}: ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("plots:", StringComparison.Ordinal) || l.StartsWith("checkpoint:", StringComparison.Ordinal)
                                          || (l.StartsWith("wrote ", StringComparison.Ordinal) && !l.StartsWith("wrote to ", StringComparison.Ordinal)));

        // --quiet: only the final summary, which is the loud run's tail, word for word.
        var quietDir = Path.Combine(ShellRunner.TempDir(), "run");
        var quiet = ShellRunner.Run([.. command, "--out", quietDir, "--quiet"]);
        Assert.True(quiet.ExitCode == 0, quiet.Stderr);
        Assert.Equal("", quiet.Stderr);
        Assert.DoesNotContain(quiet.Stdout.Split('\n'), l => EpochLine.IsMatch(l));
        Assert.EndsWith(Normal(quiet.Stdout, quietDir), Normal(loud.Stdout, dir));
    }

    // Durations and the run folder differ between two runs; the words do not.
    private static string Normal(string text, string dir) =>
        Regex.Replace(text.Replace(dir, "<dir>").ReplaceLineEndings("\n"), @"[0-9.]+ s \([0-9.]+ ms/epoch\)|suite time [0-9.]+ s", "<time>");

    [Fact]
    public void The_accuracy_measure_is_said_where_accuracy_is_shown()
    {
        foreach (var command in new[] { "xor", "xor-experiments" })
            Assert.Contains("round(output) = round(target)", ShellRunner.Run(command, "--help").Stdout);
        var suite = ShellRunner.Run("xor-experiments", "--only", "4", "--repeats", "1", "--epochs", "2", "--out", Path.Combine(ShellRunner.TempDir(), "run"), "--quiet");
        Assert.Contains("test accuracy*", suite.Stdout);
        Assert.Contains("* test accuracy: the share of the 500 test samples with round(output) = round(target)", suite.Stdout);
    }

    [Fact]
    public void Help_never_calls_weight_decay_a_cure()
    {
        var help = ShellRunner.Run("regression", "--help").Stdout;
        Assert.DoesNotContain("cure", help, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("extrapolation", help);
    }

    [Fact]
    public void Bench_reports_ratios_without_internal_targets()
    {
        var r = ShellRunner.Run("bench", "xor", "--steps", "500", "--rounds", "1", "--k", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("target", r.Stdout);
        Assert.DoesNotContain("met", r.Stdout.Split(' '));
        Assert.Matches(@"the functional core runs at [0-9.]+x the imperative loop's model-steps per second", r.Stdout);
        Assert.Matches(@"an ensemble of 2 models trains [0-9.]+x as many model-steps per second as the imperative loop", r.Stdout);
    }
}
