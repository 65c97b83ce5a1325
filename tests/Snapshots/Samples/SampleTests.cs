using System.Diagnostics;
using Xunit;

namespace Functional.Snapshots.Samples;

/// <summary>
/// The library samples (samples/FSharp, samples/CSharp) run as their users would run them: the built program in its own
/// process, its output checked. They are built with the solution (<c>dotnet build Functional.sln</c>), not by this
/// project, so a missing build fails with the command that makes it.
/// </summary>
public sealed class SampleTests
{
    private static readonly Lazy<Run> FSharp = new(() => RunSample("FSharp", "Functional.FSharpSample.dll"));
    private static readonly Lazy<Run> CSharp = new(() => RunSample("CSharp", "Functional.CSharpSample.dll"));

    [Fact]
    public void FSharp_sample_learns_clean_xor_and_its_ensemble() => AssertLearnsXor(FSharp.Value);

    [Fact]
    public void CSharp_sample_learns_clean_xor_and_its_ensemble() => AssertLearnsXor(CSharp.Value);

    [Fact]
    public void Both_samples_print_the_same_run() => Assert.Equal(CSharp.Value.Stdout, FSharp.Value.Stdout);

    [Fact]
    public void FSharp_sample_has_no_mutation()
    {
        // Code only: comments may say "immutable".
        var code = string.Join("\n", File.ReadLines(Path.Combine(RepoRoot(), "samples", "FSharp", "Program.fs"))
            .Select(l => l.Split("//")[0]));
        Assert.DoesNotMatch(@"\bmutable\b", code);
        Assert.DoesNotContain("<-", code);
        Assert.Contains("Seq.fold", code);
    }

    [Theory]
    [InlineData("CSharp/Program.cs", "csharp")]
    [InlineData("FSharp/Program.fs", "fsharp")]
    public void README_examples_are_the_samples_word_for_word(string sample, string fence)
    {
        var root = RepoRoot();
        var source = File.ReadAllText(Path.Combine(root, "samples", sample)).Replace("\r\n", "\n");
        var begin = source.IndexOf("// README:begin\n", StringComparison.Ordinal);
        var end = source.IndexOf("// README:end\n", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"samples/{sample} lacks its README markers");
        var excerpt = source[(begin + "// README:begin\n".Length)..end];
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n");
        Assert.Contains($"```{fence}\n{excerpt}```\n", readme);
    }

    private static void AssertLearnsXor(Run run)
    {
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Stderr}");
        Assert.Equal("", run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("spec 2-4-1 tanh/sigmoid (from 2-2-1 tanh/sigmoid)", lines[0]);
        Assert.Equal(4, lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.Contains("xor accuracy 100%", lines);
        // Every truth-table row on the right side of 0.5.
        foreach (var (row, target) in new[] { ("0 xor 0", 0), ("0 xor 1", 1), ("1 xor 0", 1), ("1 xor 1", 0) })
        {
            var output = double.Parse(lines.Single(l => l.StartsWith(row, StringComparison.Ordinal)).Split("->")[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(target, Math.Round(output));
        }
        var members = lines.Where(l => l.StartsWith("ensemble member", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, members.Count);
        Assert.All(members, m => Assert.EndsWith("accuracy 100%", m));
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private static Run RunSample(string folder, string dll)
    {
        var path = SampleOutput(folder, dll);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(path)!,
        };
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{dll} did not finish within 60 s");
        }
        return new Run(process.ExitCode, stdout.GetAwaiter().GetResult().Replace("\r\n", "\n"), stderr.GetAwaiter().GetResult());
    }

    // The sample's output folder mirrors this test project's: tests/Snapshots/bin/Release/net10.0/ → samples/F/bin/Release/net10.0/.
    private static string SampleOutput(string folder, string dll)
    {
        var root = RepoRoot();
        var outputLayout = Path.GetRelativePath(Path.Combine(root, "tests", "Snapshots"), AppContext.BaseDirectory);
        var path = Path.GetFullPath(Path.Combine(root, "samples", folder, outputLayout, dll));
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: build the samples first (dotnet build Functional.sln -c Release)");
        return path;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"no Functional.sln above {AppContext.BaseDirectory}");
    }
}
