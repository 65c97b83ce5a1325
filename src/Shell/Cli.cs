using System.CommandLine;
using System.Globalization;
using Functional.Shell.Commands;

namespace Functional.Shell;

/// <summary>The command line: parses, dispatches to an exercise, and maps every failure to one line and an exit code.</summary>
public static class Cli
{
    /// <summary>Runs the shell with <paramref name="args"/>, writing to the given writers; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        // Output, logs and result files read the same on every machine: "0.1", never a locale's "0,1".
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        try
        {
            return await RunInvariantAsync(args, stdout, stderr, cancel);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }

    /// <summary>Every command of the shell, writing to the given writers.</summary>
    internal static RootCommand Root(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Functional: the classic first-neural-network PyTorch tutorials, run and verified on TorchSharp.");
        foreach (var command in Exercises(stdout, stderr))
            root.Subcommands.Add(command);
        return root;
    }

    private static Task<int> RunInvariantAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel) =>
        RunAsync(Root(stdout, stderr), args, stdout, stderr, cancel);

    /// <summary>Runs <paramref name="root"/>'s commands with <paramref name="args"/> as the shell does (the caller sets the culture).</summary>
    internal static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine("error: no exercise given; run with --help to list them");
            return ExitCodes.BadInput;
        }
        StartupTrace.Mark("commands built");
        var parsed = root.Parse(args);
        StartupTrace.Mark("parsed");
        if (parsed.Errors.Count > 0)
        {
            // An unknown word explains more than the "required command" error it also causes.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            stderr.WriteLine($"error: {OneLine(error.Message)} (see --help)");
            return ExitCodes.BadInput;
        }
        var config = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parsed.InvokeAsync(config, cancel);
        }
        catch (Exception e) when (e is UsageException or ArgumentException or InvalidDataException or FileNotFoundException
                                       or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: unexpected failure: {OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
    }

    private static IEnumerable<Command> Exercises(TextWriter stdout, TextWriter stderr)
    {
        yield return LogicCommand.Create(stdout, stderr);
        yield return RegressionCommand.Create(stdout, stderr);
        yield return PerceptronCommand.Create(stdout, stderr);
        yield return BlobsCommand.Create(stdout, stderr);
        yield return XorCommand.Create(stdout, stderr);
        yield return XorExperimentsCommand.Create(stdout, stderr);
        yield return MnistCommand.Create(stdout, stderr);
        yield return RunsCommand.Create(stdout, stderr);
        yield return CompareCommand.Create(stdout);
        var bench = BenchCommand.Create(stdout, stderr);
        bench.Subcommands.Add(BenchMnist.Create(stdout, stderr));
        bench.Subcommands.Add(BenchMemory.Create(stdout, stderr));
        yield return bench;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
