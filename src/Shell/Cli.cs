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
    internal static RootCommand Root(TextWriter stdout, TextWriter stderr) => Root(Commands, stdout, stderr);

    // The root with the given commands.
    private static RootCommand Root(IEnumerable<(string Name, Func<TextWriter, TextWriter, Command> Create)> commands, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Functional: the classic first-neural-network PyTorch tutorials, run and verified on TorchSharp.");
        foreach (var (_, create) in commands)
            root.Subcommands.Add(create(stdout, stderr));
        return root;
    }

    // A command line that names a command gets a root holding that command alone (parsing, help and errors below it are
    // the same): building every command's options is a tenth of a short run's start-up (docs/perf.md). Anything else
    // (root help, --version, an unknown word) gets them all.
    private static Task<int> RunInvariantAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var named = args.Length > 0 ? Commands.Where(c => c.Name == args[0]).ToList() : [];
        return RunAsync(named.Count == 1 ? Root(named, stdout, stderr) : Root(stdout, stderr), args, stdout, stderr, cancel);
    }

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

    // Every command by its name, in the order help lists them.
    internal static readonly (string Name, Func<TextWriter, TextWriter, Command> Create)[] Commands =
    [
        ("logic", LogicCommand.Create),
        ("regression", RegressionCommand.Create),
        ("perceptron", PerceptronCommand.Create),
        ("blobs", BlobsCommand.Create),
        ("xor", XorCommand.Create),
        ("xor-experiments", XorExperimentsCommand.Create),
        ("mnist", MnistCommand.Create),
        ("runs", RunsCommand.Create),
        ("compare", (stdout, _) => CompareCommand.Create(stdout)),
        ("bench", Bench),
    ];

    private static Command Bench(TextWriter stdout, TextWriter stderr)
    {
        var bench = BenchCommand.Create(stdout, stderr);
        bench.Subcommands.Add(BenchMnist.Create(stdout, stderr));
        bench.Subcommands.Add(BenchMemory.Create(stdout, stderr));
        return bench;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
