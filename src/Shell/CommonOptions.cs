using System.CommandLine;

namespace Functional.Shell;

/// <summary>The options every exercise takes, with per-exercise defaults.</summary>
internal sealed class CommonOptions
{
    public Option<long> Seed { get; }
    public Option<int> Epochs { get; }
    public Option<double> Lr { get; }
    public Option<string?> Log { get; } = new("--log") { Description = "Write the training log as JSON Lines to this file" };
    public Option<string> Out { get; }
    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Also write a checkpoint every N epochs (0: only at the end)", DefaultValueFactory = _ => 0 };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run saved in this checkpoint (.safetensors); give the same options as the run that made it" };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only the final summary" };

    public CommonOptions(string exercise, long seed, int epochs, double lr)
    {
        Out = new("--out", "-o") { Description = "Folder for plots and checkpoints", DefaultValueFactory = _ => Path.Combine("runs", exercise) };
        Seed = new("--seed", "-s") { Description = "Random seed (same numbers as torch.manual_seed)", DefaultValueFactory = _ => seed };
        Epochs = new("--epochs", "-e") { Description = "Number of epochs", DefaultValueFactory = _ => epochs };
        Lr = new("--lr") { Description = "Learning rate", DefaultValueFactory = _ => lr };
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Seed, Epochs, Lr, Log, Out, Quiet, CheckpointEvery, Resume })
            command.Options.Add(o);
    }

    /// <summary>Where the run's files go; validated (creatable, writable) before any training starts.</summary>
    public RunOutput Output(ParseResult r) => RunOutput.Open(r.GetValue(Log), r.GetValue(Out));

    /// <summary>Checkpoint and resume settings; a negative --checkpoint-every is a usage error.</summary>
    public SessionOptions Session(ParseResult r)
    {
        var every = r.GetValue(CheckpointEvery);
        if (every < 0) throw new UsageException($"--checkpoint-every must be 0 or more, got {every}");
        return new SessionOptions(r.GetValue(Resume), every);
    }

    /// <summary>
    /// The command line that repeats this run (for the resume hint), without any --resume: the launcher (as the user
    /// typed it when started through <c>./functional</c>, which sets FUNCTIONAL_LAUNCHER) and the arguments, each quoted
    /// for a POSIX shell.
    /// </summary>
    public static string RepeatCommand(ParseResult r) =>
        RepeatCommand(r.Tokens.Select(t => t.Value), Environment.GetEnvironmentVariable("FUNCTIONAL_LAUNCHER"));

    /// <summary>The command line that runs <paramref name="launcher"/> (default <c>./functional</c>) with <paramref name="args"/>, every --resume and its value left out.</summary>
    internal static string RepeatCommand(IEnumerable<string> args, string? launcher)
    {
        var words = new List<string> { string.IsNullOrEmpty(launcher) ? "./functional" : launcher };
        using var rest = args.GetEnumerator();
        while (rest.MoveNext())
        {
            if (rest.Current == "--resume") rest.MoveNext();
            else words.Add(rest.Current);
        }
        return string.Join(" ", words.Select(ShellQuote));
    }

    /// <summary>
    /// <paramref name="word"/> as one word for a POSIX shell: unchanged when it is made only of characters no shell
    /// treats specially (ASCII letters, digits and <c>@%+=:,./_-</c>), else in single quotes, each ' written as '\''.
    /// </summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "@%+=:,./_-".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
