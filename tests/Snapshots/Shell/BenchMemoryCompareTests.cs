using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary><c>bench memory --compare</c>: its refusals, and the shape of what it prints (no figures are judged).</summary>
public sealed class BenchMemoryCompareTests
{
    [Theory]
    [InlineData("nope", "--exercises must be one of: logic|xor|mnist, got 'nope'")]
    [InlineData("logic,,xor,tanh", "--exercises must be one of: logic|xor|mnist, got 'tanh'")]
    [InlineData(",", "--exercises must be one or more of: logic|xor|mnist, got ','")]
    public void Unknown_exercises_are_refused_with_one_line_and_exit_2(string exercises, string message)
    {
        var r = ShellRunner.Run("bench", "memory", "--compare", "--exercises", exercises);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {message}\n", r.Stderr.ReplaceLineEndings("\n"));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_logic_comparison_prints_each_run_with_its_peak_and_exact_command_then_the_ratios()
    {
        var missing = Path.Combine(ShellRunner.TempDir(), "absent.dll");
        var r = ShellRunner.Run("bench", "memory", "--compare", "--exercises", "logic", "--imperative", missing, "--reference", missing);
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.StartsWith("bench memory --compare: peak resident memory (VmHWM)", lines[0]);
        Assert.Contains(lines, l => l.StartsWith($"  imperative: not found ({missing})", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"  pytorch: skipped (no reference script ({missing}))", StringComparison.Ordinal));
        var ours = Assert.Single(lines, l => l.StartsWith("logic  ours ", StringComparison.Ordinal));
        Assert.Matches(@"^logic  ours       peak +\d+\.\d MB  exit 0  \S*dotnet \S+Functional\.Shell\.dll logic --epochs 1 --quiet --out \S+/ours-logic$", ours);
        var peak = double.Parse(System.Text.RegularExpressions.Regex.Match(ours, @"peak +(\d+\.\d) MB").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(peak, 20, 4000); // a .NET process with libtorch loaded, read from the kernel: not zero, not absurd
        Assert.Equal("logic  ratio      nothing to compare with", lines[^1]);
    }
}
