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
    public Option<string>? Out { get; }
    public Option<bool> Quiet { get; }
    public Option<int>? CheckpointEvery { get; }
    public Option<string?>? Resume { get; }

    /// <param name="flags">The command's flags, which these start.</param>
    /// <param name="exercise">The command's name: the default output folder is <c>runs/&lt;exercise&gt;</c>.</param>
    /// <param name="seed">Default seed.</param>
    /// <param name="epochs">Default epochs, or null for a command without epochs (and so without checkpoints).</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="log">Whether the command writes a <c>--log</c>.</param>
    private CommonOptions(Flags flags, string exercise, long seed, int? epochs, double lr, bool log = true)
    {
        Seed = flags.Add(new Option<long>("--seed", "-s") { Description = "Random seed (same numbers as torch.manual_seed)", DefaultValueFactory = _ => seed }, "Seed");
        if (epochs is { } e)
            Epochs = flags.Add(new Option<int>("--epochs", "-e") { Description = "Number of epochs", DefaultValueFactory = _ => e }, "Epochs");
        Lr = flags.Add(new Option<double>("--lr")
        {
            Description = $"Learning rate (positive, at most {Limits.Float32Number.ToString("0e0", Inv)})",
            DefaultValueFactory = _ => lr,
        }, "Lr");
        if (log) Log = flags.Add(new Option<string?>("--log") { Description = "Write the training log as JSON Lines to this file" });
        if (epochs is not null)
            Out = flags.Add(new Option<string>("--out", "-o") { Description = "Folder for plots and checkpoints", DefaultValueFactory = _ => Path.Combine("runs", exercise) });
        Quiet = flags.Add(new Option<bool>("--quiet", "-q") { Description = "Print only the final summary: no introduction, no per-epoch lines, no progress display" });
        if (epochs is null) return;
        CheckpointEvery = flags.Add(new Option<int>("--checkpoint-every") { Description = "Also write a checkpoint every N epochs (0: only at the end)", DefaultValueFactory = _ => 0 },
            "CheckpointEvery");
        Resume = flags.Add(new Option<string?>("--resume") { Description = "Continue the run saved in this checkpoint (.safetensors); give the same options as the run that made it" });
    }

    /// <summary>A command's flags, starting with the common options (see the constructor for the parameters).</summary>
    public static (CommonOptions Common, Flags Flags) Of(string exercise, long seed, int? epochs, double lr, bool log = true)
    {
        var flags = new Flags();
        return (new CommonOptions(flags, exercise, seed, epochs, lr, log), flags);
    }

    /// <summary>Where the run's files go; validated (creatable, writable) before any training starts.</summary>
    public RunOutput Output(ParseResult r) => RunOutput.Open(Log is null ? null : r.GetValue(Log), Out is null ? null : r.GetValue(Out));

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
