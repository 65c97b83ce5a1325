using System.Text.Json.Nodes;

namespace Functional.Shell;

/// <summary>
/// The options the exercises share, with per-exercise defaults, declared into the command's <see cref="Flags"/> (seed,
/// epochs and learning rate bound to the options records' <c>Seed</c>, <c>Epochs</c> and <c>Lr</c>). A command without
/// epochs (the perceptron's single step) or without a log or checkpoints leaves those out.
/// </summary>
internal sealed class CommonOptions
{
    public Option<long> Seed { get; }
    public Option<int>? Epochs { get; }
    public Option<double> Lr { get; }
    public Option<string?>? Log { get; }
    public Option<string?>? Out { get; }
    public Option<bool> Quiet { get; }
    public Option<int>? CheckpointEvery { get; }
    public Option<string?>? Resume { get; }
    public Option<string?>? Name { get; }
    public Option<bool>? Force { get; }
    public Option<int>? Keep { get; }
    private readonly string _exercise;

    /// <param name="flags">The command's flags, which these start.</param>
    /// <param name="exercise">The command's name: new run folders go under <c>runs/&lt;exercise&gt;</c>.</param>
    /// <param name="seed">Default seed.</param>
    /// <param name="epochs">Default epochs, or null for a command without epochs (and so without checkpoints).</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="log">Whether the command writes a <c>--log</c>.</param>
    public CommonOptions(Flags flags, string exercise, long seed, int? epochs, double lr, bool log = true)
    {
        _exercise = exercise;
        Seed = flags.Add("Seed", "--seed", "Random seed (same numbers as torch.manual_seed)", seed, "-s");
        if (epochs is { } e) Epochs = flags.Add("Epochs", "--epochs", "Number of epochs", e, "-e");
        Lr = flags.Add("Lr", "--lr", $"Learning rate (positive, at most {Limits.Float32Number.ToString("0e0", Inv)})", lr);
        if (log) Log = flags.Add(new Option<string?>("--log") { Description = "Write the training log as JSON Lines to this file" });
        if (epochs is not null)
            Out = flags.Add(new Option<string?>("--out", "-o") { Description = $"The run folder: log, metrics, checkpoints, plots (default: a new folder runs/{exercise}/<time>)" });
        Quiet = flags.Add(new Option<bool>("--quiet", "-q") { Description = "Print only the final summary: no introduction, no per-epoch lines, no progress display" });
        if (epochs is null) return;
        CheckpointEvery = flags.Add("CheckpointEvery", "--checkpoint-every", "Also write a checkpoint every N epochs (0: only at the end)", 0);
        Resume = flags.Add(new Option<string?>("--resume") { Description = "Continue a run in its own folder: the run folder (from its newest checkpoint), one of its checkpoint folders (RUN/checkpoints/step-…), or latest; give the same options as the run that made it" });
        Name = flags.Add(new Option<string?>("--name") { Description = "Add this to the new run folder's name (runs/<exercise>/<time>-<name>)" });
        Force = flags.Add(new Option<bool>("--force") { Description = "Replace the run that --out DIR already holds (its log, metrics, checkpoints and plots)" });
        Keep = flags.Add("Keep", "--keep", "How many checkpoints to keep (the newest; at least 1)", 2);
    }

    /// <summary>Where the run's files go; validated (creatable, writable, not another run's) before any training starts, created when it starts.</summary>
    public RunOutput Output(ParseResult r) => Out is null
        ? RunOutput.Open(Log is null ? null : r.GetValue(Log), null) // a command without epochs has no run folder: a plain log at most
        : RunOutput.Open(new RunRequest(_exercise, r.GetValue(Out), Log is null ? null : r.GetValue(Log), r.GetValue(Resume!), r.GetValue(Name!),
            r.GetValue(Force!), r.GetValue(Keep!), string.Join(" ", r.Tokens.Select(t => ShellQuote(t.Value))), Config(r)));

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


    /// <summary>Checkpoint and resume settings; a negative --checkpoint-every is an <see cref="OptionError"/>.</summary>
    public SessionOptions Session(ParseResult r) =>
        new(Resume is null ? null : r.GetValue(Resume), CheckpointEvery is null ? 0 : Require.AtLeast("CheckpointEvery", r.GetValue(CheckpointEvery), 0));

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
