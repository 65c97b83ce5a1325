using System.CommandLine;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Functional.Shell;
using Functional.Tests.Shared;
using Functional.Training;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>The command line as a whole: the flags live only in the shell, every number parses strictly, every cap is in --help.</summary>
public sealed class CommandLineTests
{
    private static readonly RootCommand Root = Cli.Root(TextWriter.Null, TextWriter.Null);

    /// <summary>Every command with the words that reach it, e.g. (["bench", "xor"], the command).</summary>
    private static IEnumerable<(string[] Path, Command Command)> Commands(Command parent, string[] path)
    {
        foreach (var c in parent.Subcommands)
        {
            string[] here = [.. path, c.Name];
            yield return (here, c);
            foreach (var nested in Commands(c, here)) yield return nested;
        }
    }

    private static IEnumerable<(string[] Path, Option Option)> AllOptions() =>
        Commands(Root, []).SelectMany(c => c.Command.Options.Where(o => o is not System.CommandLine.Help.HelpOption and not VersionOption).Select(o => (c.Path, o)));

    /// <summary>Every string literal compiled into an assembly (its #US heap: plain literals and the pieces of interpolated ones).</summary>
    private static IEnumerable<string> StringLiterals(System.Reflection.Assembly assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly.Location));
        var metadata = pe.GetMetadataReader();
        for (var h = MetadataTokens.UserStringHandle(1); !h.IsNil; h = metadata.GetNextHandle(h))
            yield return metadata.GetUserString(h);
    }

    [Fact]
    public void No_string_in_the_core_spells_a_flag()
    {
        var options = AllOptions().Select(o => o.Option).ToList();
        // A flag as typed (--lr, -g), or a multi-word flag's name in any spelling that keeps its hyphen (weight-decay).
        var spellings = options.SelectMany(o => o.Aliases.Append(o.Name))
            .Select(a => a.StartsWith("--", StringComparison.Ordinal) ? a : $"(?<![\\w-]){Regex.Escape(a)}(?![\\w-])")
            .Concat(options.Select(o => o.Name.TrimStart('-')).Where(n => n.Contains('-')))
            .Append("--[a-z]").Distinct().ToList();
        var pattern = new Regex(string.Join("|", spellings.Select(s => s.StartsWith("(?", StringComparison.Ordinal) || s == "--[a-z]" ? s : Regex.Escape(s))));
        var found = new[] { typeof(Functional.Model.MlpSpec).Assembly, typeof(Require).Assembly }
            .SelectMany(a => StringLiterals(a).Where(s => pattern.IsMatch(s)).Select(s => $"{a.GetName().Name}: \"{s}\" ({pattern.Match(s).Value})"))
            .ToList();
        Assert.True(found.Count == 0, "string literals in the core that spell a flag:\n" + string.Join("\n", found));

        var sources = new[] { "src/Model", "src/Training" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Repository.Root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)).Where(l => l.line.Contains("\"--")).Select(l => $"{l.f}:{l.i + 1}: {l.line.Trim()}"))
            .ToList();
        Assert.True(sources.Count == 0, "core source lines with \"--:\n" + string.Join("\n", sources));
        Assert.Contains(typeof(Require).Assembly.GetTypes(), t => t.Name == "Require"); // the scan read the assembly it meant to
    }

    [Fact]
    public void Every_numeric_option_of_every_command_parses_strictly()
    {
        var numeric = AllOptions().Where(o => Numbers.IsNumeric(o.Option)).ToList();
        Assert.True(numeric.Count >= 25, $"found only {numeric.Count} numeric options: the walk missed commands");
        foreach (var (path, option) in numeric)
        {
            foreach (var token in new[] { "1,5", "NaN", " 1", "1_0" })
            {
                var parsed = Root.Parse([.. path, option.Name, token]);
                Assert.True(parsed.Errors.Any(e => e.Message.StartsWith(option.Name + " must be", StringComparison.Ordinal)),
                    $"{string.Join(" ", path)} {option.Name} {token}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            }
            var good = option.ValueType == typeof(double) || option.ValueType == typeof(double?) ? "0.5" : "3";
            Assert.Empty(Root.Parse([.. path, option.Name, good]).Errors);
        }
    }

    public static TheoryData<string, string, int> Caps => new()
    {
        { "logic", "--hidden", Limits.Width },
        { "xor", "--hidden", Limits.Width },
        { "xor", "--inputs", Limits.ParityInputs },
        { "regression", "--hidden", Limits.Width },
        { "regression", "--points", Limits.Points },
        { "blobs", "--hidden", Limits.Width },
        { "blobs", "--samples", Limits.Samples },
        { "blobs", "--test-samples", Limits.Samples },
        { "perceptron", "--inputs", Limits.PerceptronSize },
        { "perceptron", "--outputs", Limits.PerceptronSize },
        { "mnist", "--hidden", Limits.Width },
        { "mnist", "--threads", Limits.Threads },
        { "bench mnist", "--threads", Limits.Threads },
        { "bench xor", "--k", Limits.EnsembleRuns },
        { "xor-experiments", "--repeats", Limits.Repeats },
        { "xor-experiments", "--max-hidden", Limits.SuiteHidden },
    };

    [Theory]
    [MemberData(nameof(Caps))]
    public async Task Every_cap_is_stated_in_help_and_enforced(string command, string flag, int cap)
    {
        var path = command.Split(' ');
        var help = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync([.. path, "--help"], help, TextWriter.Null, CancellationToken.None));
        var line = help.ToString().Split('\n').SingleOrDefault(l => l.TrimStart().StartsWith(flag + " ", StringComparison.Ordinal)
                                                                    || l.Contains(", " + flag + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no {flag} in {command} --help:\n{help}");
        Assert.Matches($@"\b{cap}\b", help.ToString()[help.ToString().IndexOf(line, StringComparison.Ordinal)..].Split("\n  -")[0]);
        var over = (cap + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var writes = Commands(Root, []).Single(c => c.Path.SequenceEqual(path)).Command.Options.Any(o => o.Name == "--out");
        var r = ShellRunner.Run([.. path, flag, flag == "--hidden" && command == "mnist" ? $"1,{over}" : over, .. writes ? new[] { "--out", ShellRunner.TempDir() } : []]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{flag} must be", r.Stderr);
        Assert.Contains($"{cap}", r.Stderr);
    }
}
