using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using Functional.Tests.Shared;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// A throwaway project tree for the launcher: a copy of ./functional beside a tiny src/Shell console app (assembly
/// Functional.Shell, like the real one) that prints each argument as [arg], its version and FUNCTIONAL_LAUNCHER, waits
/// for a file to appear when given "wait FILE", and exits with the code given as "exit N". Builds of it take seconds and never touch the repository the tests run in.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LauncherTree : IDisposable
{
    public string Root { get; } = ShellRunner.TempDir();
    public string Launcher => Path.Combine(Root, "functional");
    public string Source(string name) => Path.Combine(Root, "src", "Shell", name);

    /// <summary>What the tree's first launch printed: it found no build and built.</summary>
    internal LauncherRun First { get; }

    public LauncherTree()
    {
        File.Copy(Path.Combine(Repository.Root, "functional"), Launcher);
        Directory.CreateDirectory(Path.Combine(Root, "src", "Shell"));
        File.WriteAllText(Source("Shell.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <AssemblyName>Functional.Shell</AssemblyName>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Source("Program.cs"), """
            foreach (var a in args) Console.WriteLine($"[{a}]");
            Console.Error.WriteLine($"version {Version.Text}, launcher {Environment.GetEnvironmentVariable("FUNCTIONAL_LAUNCHER")}");
            if (args is ["wait", var file]) while (!File.Exists(file)) Thread.Sleep(20);
            return args is ["exit", var code, ..] ? int.Parse(code) : 0;
            """);
        WriteVersion("1");
        File.WriteAllText(Source("Extra.cs"), "static class Extra { }\n");
        First = LauncherRun.Launch(Root, Launcher, []);
    }

    public void WriteVersion(string text) =>
        File.WriteAllText(Source("Version.cs"), $"static class Version {{ public const string Text = \"{text}\"; }}\n");

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a build server still writing into obj/: the temp folder is cleaned later
    }
}

/// <summary>One launch of a ./functional script, through a <c>dotnet</c> first on PATH that logs every call it forwards.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed record LauncherRun(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> DotnetCalls)
{
    public const string Building = "functional: building src/Shell -c Release";

    public bool Built => Stderr.Contains(Building, StringComparison.Ordinal);

    /// <summary>The <c>dotnet publish</c> calls (the launcher's builds) among the dotnet calls (the others run the app).</summary>
    public IReadOnlyList<string> Builds => BuildCalls(DotnetCalls);

    public static IReadOnlyList<string> BuildCalls(IEnumerable<string> calls) => calls.Where(c => c.StartsWith("publish ", StringComparison.Ordinal)).ToList();

    /// <summary>Runs <paramref name="launcher"/> with <paramref name="args"/> in <paramref name="tree"/> and waits for it.</summary>
    public static LauncherRun Launch(string tree, string launcher, IReadOnlyList<string> args)
    {
        using var process = Start(tree, launcher, args, out var log);
        var code = process.WaitForExit(TimeSpan.FromMinutes(5));
        return new LauncherRun(code, process.Stdout, process.Stderr, Calls(log));
    }

    /// <summary>Starts the launcher; <paramref name="log"/> receives the path of the log of the dotnet calls it makes.</summary>
    public static ShellProcess Start(string tree, string launcher, IReadOnlyList<string> args, out string log)
    {
        var bin = Path.Combine(ShellRunner.TempDir(), "bin");
        Directory.CreateDirectory(bin);
        log = Path.Combine(bin, "dotnet.log");
        var wrapper = Path.Combine(bin, "dotnet");
        File.WriteAllText(wrapper, $"#!/bin/sh\nprintf '%s\\n' \"$*\" >>'{log}'\nexec '{RealDotnet()}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo(launcher) { WorkingDirectory = tree, StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8 };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment.Remove("FUNCTIONAL_LAUNCHER");
        return ShellProcess.Start(start);
    }

    public static IReadOnlyList<string> Calls(string log) => File.Exists(log) ? File.ReadAllLines(log) : [];

    private static string RealDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host) return host;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (File.Exists(Path.Combine(dir, "dotnet"))) return Path.GetFullPath(Path.Combine(dir, "dotnet"));
        throw new FileNotFoundException("dotnet is not on PATH");
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}--- dotnet calls\n{string.Join("\n", DotnetCalls)}";
}

/// <summary>
/// ./functional's freshness check, build and pass-through, on a throwaway tree: it builds when a source changed, was
/// added or was deleted, or when the last build failed, never while an app it started runs, and runs the built app
/// without MSBuild when nothing changed.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LauncherTests(LauncherTree tree) : IClassFixture<LauncherTree>
{
    private LauncherRun Launch(params string[] args) => LauncherRun.Launch(tree.Root, tree.Launcher, args);

    [Fact]
    public void The_first_launch_builds_then_runs_the_app()
    {
        var first = tree.First;
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"{LauncherRun.Building} (first build)...", first.Stderr);
        Assert.Equal(["publish " + Path.Combine(tree.Root, "src", "Shell") + " -c Release -r linux-x64 -nologo -v quiet -clp:NoSummary",
            Path.Combine(tree.Root, "src", "Shell", "bin", "Release", "net10.0", "linux-x64", "publish", "Functional.Shell.dll")], first.DotnetCalls);
        Assert.EndsWith($"version 1, launcher {tree.Launcher}\n", first.Stderr);
    }

    [Fact]
    public void Arguments_and_the_exit_code_pass_through_exactly_and_an_unchanged_tree_runs_without_msbuild()
    {
        string[] args = ["exit", "7", "--", "", "two words", "it's", "say \"hi\"", "$HOME", "*", "back\\slash", "naïve", "--help", "-x"];
        var run = Launch(args);
        Assert.True(run.ExitCode == 7, run.ToString());
        Assert.Equal(string.Concat(args.Select(a => $"[{a}]\n")), run.Stdout);
        Assert.False(run.Built, run.ToString());
        Assert.Empty(run.Builds);

        var plain = Launch();
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal("", plain.Stdout);
        Assert.Empty(plain.Builds);
    }

    [Fact]
    public void A_changed_added_or_deleted_source_rebuilds_and_a_failed_build_is_reported_and_retried()
    {
        // Changed while an app started by the launcher runs: a build would rewrite its DLLs, so the two launchers
        // started now wait until it ends; then one of them builds and the other finds the build fresh.
        var release = Path.Combine(tree.Root, "release");
        using (var running = LauncherRun.Start(tree.Root, tree.Launcher, ["wait", release], out _))
        {
            Assert.True(running.WaitFor("version 1,", TimeSpan.FromMinutes(5)), running.Stderr);
            tree.WriteVersion("2");
            using var b = LauncherRun.Start(tree.Root, tree.Launcher, ["b"], out var logB);
            using var c = LauncherRun.Start(tree.Root, tree.Launcher, ["c"], out var logC);
            const string waiting = "functional: waiting for other ./functional commands to finish before rebuilding";
            Assert.True(b.WaitFor(waiting, TimeSpan.FromMinutes(1)) && c.WaitFor(waiting, TimeSpan.FromMinutes(1)), $"B:\n{b.Stderr}\nC:\n{c.Stderr}");
            Assert.Empty(LauncherRun.BuildCalls(LauncherRun.Calls(logB).Concat(LauncherRun.Calls(logC))));

            File.WriteAllText(release, "");
            Assert.Equal(0, running.WaitForExit(TimeSpan.FromMinutes(1)));
            var (codeB, codeC) = (b.WaitForExit(TimeSpan.FromMinutes(5)), c.WaitForExit(TimeSpan.FromMinutes(5)));
            var report = $"B: exit {codeB}\n{b.Stdout}{b.Stderr}\nC: exit {codeC}\n{c.Stdout}{c.Stderr}";
            Assert.True(codeB == 0 && codeC == 0, report);
            Assert.Contains("version 2,", b.Stderr);
            Assert.Contains("version 2,", c.Stderr);
            Assert.True(LauncherRun.BuildCalls(LauncherRun.Calls(logB).Concat(LauncherRun.Calls(logC))).Count == 1, report);
        }
        AssertFresh();

        // Deleted.
        File.Delete(tree.Source("Extra.cs"));
        AssertBuilds("sources changed since the last build");
        AssertFresh();

        // Added, with an old modification time: the set of files changed, no mtime did. It does not compile.
        var broken = tree.Source("Broken.cs");
        File.WriteAllText(broken, "static class Broken { int }\n");
        File.SetLastWriteTimeUtc(broken, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var failed = Launch("x");
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Equal("", failed.Stdout); // the app did not run
        Assert.Contains("Broken.cs(1,27): error CS1519", failed.Stderr);
        Assert.Contains("functional: the build failed (exit code 1)", failed.Stderr);
        Assert.Single(failed.DotnetCalls); // the build; the app is not run

        // A failed build leaves no stamp: the next launch builds again (and fails again).
        var again = Launch("x");
        Assert.True(again.ExitCode == 1 && again.DotnetCalls.Count == 1, again.ToString());
        Assert.Contains($"{LauncherRun.Building} (the last build failed or was interrupted)...", again.Stderr);

        // Deleted again: builds and runs.
        File.Delete(broken);
        AssertBuilds("the last build failed or was interrupted");
        AssertFresh();
    }

    private void AssertBuilds(string why)
    {
        var run = Launch("x");
        Assert.True(run.ExitCode == 0 && run.Stdout == "[x]\n", run.ToString());
        Assert.Contains($"{LauncherRun.Building} ({why})...", run.Stderr);
        Assert.Single(run.Builds);
    }

    private void AssertFresh()
    {
        var run = Launch("x");
        Assert.True(run.ExitCode == 0 && run.Stdout == "[x]\n" && !run.Built && run.Builds.Count == 0, run.ToString());
    }
}

/// <summary>
/// ./functional at the root of this repository, as a user runs it: it is committed executable, it passes arguments,
/// output, the exit code and Ctrl+C to the real app, and a build of the real tree leaves that tree fresh. (When the tree
/// changed since the launcher's last build, the first of these launches builds src/Shell in Release, the configuration
/// the test command has just built, so MSBuild finds it up to date; the test host runs from its own output folder.)
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LauncherInRepositoryTests
{
    private static readonly string Launcher = Path.Combine(Repository.Root, "functional");

    private static LauncherRun Launch(params string[] args) => LauncherRun.Launch(Repository.Root, Launcher, args);

    [Fact]
    public void Is_committed_executable()
    {
        Assert.True(File.GetUnixFileMode(Launcher).HasFlag(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        var start = new ProcessStartInfo("git", ["ls-files", "--stage", "--", "functional"]) { WorkingDirectory = Repository.Root, RedirectStandardOutput = true };
        using var git = Process.Start(start)!;
        var stage = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.StartsWith("100755 ", stage);
    }

    [Fact]
    public void Help_exits_0_and_bad_input_exits_2_with_the_apps_one_line_without_msbuild()
    {
        var help = Launch("--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("Usage:", help.Stdout);

        var bad = Launch("logic", "--epochs", "many");
        var direct = ShellRunner.Run("logic", "--epochs", "many");
        Assert.Equal(2, direct.ExitCode);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Equal(direct.Stderr, bad.Stderr);
        Assert.Equal("", bad.Stdout);
        // The launch before built the tree if it had to; a build leaves its own inputs unchanged.
        Assert.Empty(bad.Builds);
    }

    [Fact]
    public void Ctrl_C_reaches_the_app_and_the_resume_hint_names_the_launcher_with_every_argument_quoted()
    {
        var outDir = Path.Combine(ShellRunner.TempDir(), "runs 'A' here");
        using var run = LauncherRun.Start(Repository.Root, Launcher, ["logic", "--epochs", "100000000", "--out", outDir], out _);
        Assert.True(run.WaitFor("logic: AND gate", TimeSpan.FromMinutes(5)), $"the run did not start\n{run.Stderr}");
        // The launcher exec'd the app: the process started as ./functional is now `dotnet Functional.Shell.dll ...`.
        Assert.Equal("dotnet", Path.GetFileName(new FileInfo($"/proc/{run.Pid}/exe").LinkTarget));
        Assert.Equal([Path.Combine(Repository.Root, "src", "Shell", "bin", "Release", "net10.0", "linux-x64", "publish", "Functional.Shell.dll"), "logic", "--epochs", "100000000", "--out", outDir],
            File.ReadAllText($"/proc/{run.Pid}/cmdline").Split('\0')[1..^1]);

        run.Signal(ShellProcess.SIGINT);
        var code = run.WaitForExit(TimeSpan.FromMinutes(2));
        var stderr = run.Stderr;
        Assert.True(code == 130, $"exit {code}\n{stderr}");

        const string marker = "resume with: ";
        var hint = stderr[(stderr.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].TrimEnd('\n');
        Assert.Equal([Launcher, "logic", "--epochs", "100000000", "--out", outDir, "--resume", outDir], ShellWords(hint));
    }

    /// <summary>How a POSIX shell splits <paramref name="line"/> into words (it runs printf on them, nothing else).</summary>
    private static string[] ShellWords(string line)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", "printf '%s\\0' " + line]) { RedirectStandardOutput = true };
        using var sh = Process.Start(start)!;
        var words = sh.StandardOutput.ReadToEnd();
        sh.WaitForExit();
        Assert.Equal(0, sh.ExitCode);
        return words.Split('\0')[..^1];
    }
}
