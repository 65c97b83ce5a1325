using System.Diagnostics;
using Xunit;

namespace Functional.Snapshots.Samples;

/// <summary>
/// The library samples (samples/FSharp, samples/CSharp, and the F# script samples/FSharp/walkthrough.fsx) run as their
/// users would run them: the built program, or <c>dotnet fsi</c> on the script, in its own process, its output checked.
/// They are built with the solution (<c>dotnet build Functional.sln -c Release</c>) or as this project's build
/// dependencies, so a missing build fails with the command that makes it.
/// </summary>
public sealed class SampleTests
{
    private static readonly Lazy<Run> FSharp = new(() => RunSample("FSharp", "Functional.FSharpSample.dll"));
    private static readonly Lazy<Run> CSharp = new(() => RunSample("CSharp", "Functional.CSharpSample.dll"));
    private static readonly Lazy<Run> Walkthrough = new(RunWalkthrough);

    [Fact]
    public void FSharp_sample_learns_clean_xor_and_its_ensemble() => AssertLearnsXor(FSharp.Value);

    [Fact]
    public void CSharp_sample_learns_clean_xor_and_its_ensemble() => AssertLearnsXor(CSharp.Value);

    [Fact]
    public void Both_samples_print_the_same_run() => Assert.Equal(CSharp.Value.Stdout, FSharp.Value.Stdout);

    [Theory]
    [InlineData("Program.fs")]
    [InlineData("walkthrough.fsx")]
    public void FSharp_sample_and_script_use_the_FSharp_face_without_mutation_type_tests_or_Dispose(string file)
    {
        // Code only: comments may say "immutable" or "Dispose".
        var code = string.Join("\n", File.ReadLines(Path.Combine(RepoRoot(), "samples", "FSharp", file))
            .Select(l => l.Split("//")[0]));
        Assert.DoesNotMatch(@"\bmutable\b", code);
        Assert.DoesNotContain("<-", code);
        Assert.DoesNotContain(":?", code); // events and stop reasons are unions: matched, not type-tested
        Assert.DoesNotContain("Option.ofNullable", code); // the face gives options
        Assert.DoesNotContain("Option.ofObj", code);
        Assert.DoesNotMatch(@"\.Dispose\s*\(", code); // runs own their states; `use` frees the rest
        Assert.DoesNotContain("CancellationTokenSource", code); // stopping early is a predicate
        Assert.Matches(@"\bTrain\.(fold|runUntil)\b", code);
    }

    [Fact]
    public void FSharp_walkthrough_script_runs_in_fsi_and_learns_xor()
    {
        var run = Walkthrough.Value;
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        Assert.Equal("", run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("spec 2-2-1 tanh/sigmoid, changed copy 2-4-1 tanh/sigmoid", lines[0]);
        AssertTruthTable(lines);
        Assert.Contains("xor accuracy 100% (stopped early)", lines); // runUntil stopped it before the plan's 2000 epochs
        var done = lines.Single(l => l.StartsWith("done after ", StringComparison.Ordinal));
        Assert.EndsWith(" steps: Stopped", done);
        Assert.True(int.Parse(done.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture) < 2000, done);
        Assert.Equal(8, lines.Count(l => l.StartsWith("ensemble seed ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("safetensors round trip: spec 2-4-1 tanh/sigmoid", StringComparison.Ordinal) && l.EndsWith("params equal true", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gradient check passed: 17 elements", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("a 1% gradient error is caught", StringComparison.Ordinal));
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
        AssertTruthTable(lines);
        var members = lines.Where(l => l.StartsWith("ensemble member", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, members.Count);
        Assert.All(members, m => Assert.EndsWith("accuracy 100%", m));
    }

    // Every truth-table row on the right side of 0.5.
    private static void AssertTruthTable(string[] lines)
    {
        foreach (var (row, target) in new[] { ("0 xor 0", 0), ("0 xor 1", 1), ("1 xor 0", 1), ("1 xor 1", 0) })
        {
            var output = double.Parse(lines.Single(l => l.StartsWith(row, StringComparison.Ordinal)).Split("->")[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(target, Math.Round(output));
        }
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    // The script as its README line runs it: `dotnet fsi samples/FSharp/walkthrough.fsx`, here from a folder outside
    // the repository (its #load is relative to the script). It loads src/FSharp's Release build.
    private static Run RunWalkthrough()
    {
        var root = RepoRoot();
        var load = Path.Combine(root, "src", "FSharp", "bin", "Release", "net10.0", "load.fsx");
        if (!File.Exists(load))
            throw new FileNotFoundException($"{load} is missing: build first (dotnet build Functional.sln -c Release)");
        return RunProcess("dotnet fsi walkthrough.fsx", Path.GetTempPath(), TimeSpan.FromSeconds(180),
            "fsi", Path.Combine(root, "samples", "FSharp", "walkthrough.fsx"));
    }

    private static Run RunSample(string folder, string dll)
    {
        var path = SampleOutput(folder, dll);
        return RunProcess(dll, Path.GetDirectoryName(path)!, TimeSpan.FromSeconds(60), path);
    }

    private static Run RunProcess(string what, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {what}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds} s");
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
