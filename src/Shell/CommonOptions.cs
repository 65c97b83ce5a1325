using System.CommandLine;
using System.Text.Json.Nodes;

namespace Functional.Shell;

/// <summary>The options every exercise takes, with per-exercise defaults.</summary>
internal sealed class CommonOptions
{
    public Option<long> Seed { get; }
    public Option<int> Epochs { get; }
    public Option<double> Lr { get; }
    public Option<string?> Log { get; } = new("--log") { Description = "Write the training log as JSON Lines to this file" };
    public Option<string?> Out { get; }
    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Also write a checkpoint every N epochs (0: only at the end)", DefaultValueFactory = _ => 0 };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue a run in its own folder: the run folder (from its newest checkpoint), one of its checkpoint folders (RUN/checkpoints/step-…), or latest; give the same options as the run that made it" };
    public Option<string?> Name { get; } = new("--name") { Description = "Add this to the new run folder's name (runs/<exercise>/<time>-<name>)" };
    public Option<bool> Force { get; } = new("--force") { Description = "Replace the run that --out DIR already holds (its log, metrics, checkpoints and plots)" };
    public Option<int> Keep { get; } = new("--keep") { Description = "How many checkpoints to keep (the newest)", DefaultValueFactory = _ => 2 };
    private readonly string _exercise;
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only the final summary" };

    public CommonOptions(string exercise, long seed, int epochs, double lr)
    {
        _exercise = exercise;
        Out = new("--out", "-o") { Description = $"The run folder: log, metrics, checkpoints, plots (default: a new folder runs/{exercise}/<time>)" };
        Seed = new("--seed", "-s") { Description = "Random seed (same numbers as torch.manual_seed)", DefaultValueFactory = _ => seed };
        Epochs = new("--epochs", "-e") { Description = "Number of epochs", DefaultValueFactory = _ => epochs };
        Lr = new("--lr") { Description = "Learning rate", DefaultValueFactory = _ => lr };
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Seed, Epochs, Lr, Log, Out, Quiet, CheckpointEvery, Resume, Name, Force, Keep })
            command.Options.Add(o);
    }

    /// <summary>Where the run's files go; validated (creatable, writable, not another run's) before any training starts, created when it starts.</summary>
    public RunOutput Output(ParseResult r) => RunOutput.Open(new RunRequest(_exercise, r.GetValue(Out), r.GetValue(Log), r.GetValue(Resume), r.GetValue(Name),
        r.GetValue(Force), r.GetValue(Keep), string.Join(" ", r.Tokens.Select(t => ShellQuote(t.Value))), Config(r)));

    /// <summary>
    /// Every option of the parsed command with its value, defaults included, keyed by its name without dashes (inner ones
    /// as '_'); null for an option that was not given and has no default (a flag not given is false).
    /// </summary>
    private static JsonObject Config(ParseResult r)
    {
        var config = new JsonObject();
        foreach (var option in r.CommandResult.Command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != "--help"))
        {
            var unset = r.GetResult(option) is null or { Implicit: true } && !option.HasDefaultValue && option is not Option<bool>;
            JsonNode? value = unset ? null : option switch
            {
                Option<bool> o => r.GetValue(o),
                Option<int> o => r.GetValue(o),
                Option<int?> o => r.GetValue(o),
                Option<long> o => r.GetValue(o),
                Option<double> o => Number(r.GetValue(o)),
                Option<double?> o => r.GetValue(o) is { } d ? Number(d) : null,
                Option<string> o => r.GetValue(o),
                _ => r.GetResult(option) is { } result ? string.Join(" ", result.Tokens.Select(t => t.Value)) : null,
            };
            config[option.Name.TrimStart('-').Replace('-', '_')] = value;
        }
        return config;
    }

    // NaN and infinities are not JSON numbers: written as the log writes them, as text.
    private static JsonNode Number(double x) => double.IsFinite(x) ? x : x.ToString(System.Globalization.CultureInfo.InvariantCulture);

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

    /// <summary>
    /// The command line that runs <paramref name="launcher"/> (default <c>./functional</c>) with <paramref name="args"/>,
    /// leaving out what names a new run rather than the run (every --resume, --name and their values, --force), so that
    /// adding <c>--resume RUN</c> continues it.
    /// </summary>
    internal static string RepeatCommand(IEnumerable<string> args, string? launcher)
    {
        var words = new List<string> { string.IsNullOrEmpty(launcher) ? "./functional" : launcher };
        using var rest = args.GetEnumerator();
        while (rest.MoveNext())
        {
            if (rest.Current is "--resume" or "--name") rest.MoveNext();
            else if (rest.Current != "--force") words.Add(rest.Current);
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
