namespace Functional.Shell;

/// <summary>
/// One command's flags, declared once: each System.CommandLine option is added here, and those that fill an options
/// record are bound to its property name (the key the core's <see cref="OptionError"/> names). So the core's errors are
/// told with the flag the user typed, e.g. <c>--lr must be a positive number, got 0</c>, and every numeric option parses
/// strictly (<see cref="Numbers"/>).
/// </summary>
internal sealed class Flags
{
    private readonly List<Option> _options = [];
    private readonly Dictionary<string, Option> _byKey = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="option"/> to the command, bound to <paramref name="key"/> (a property name) when given.</summary>
    public Option<T> Add<T>(Option<T> option, string? key = null)
    {
        Numbers.MakeStrict(option);
        if (key is not null) _byKey.Add(key, option);
        _options.Add(option);
        return option;
    }

    /// <summary>
    /// Adds the option <paramref name="name"/> (also spelled <paramref name="aliases"/>), bound to <paramref name="key"/>,
    /// with its help line and the value it takes when not given (which the help shows).
    /// </summary>
    public Option<T> Add<T>(string key, string name, string description, T defaultValue, params string[] aliases) =>
        Add(new Option<T>(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue }, key);

    /// <summary>
    /// Adds the option <paramref name="name"/> (also spelled <paramref name="aliases"/>), bound to <paramref name="key"/>,
    /// with its help line and no default: not given, it reads as <c>default(T)</c> (false for a switch, null for an
    /// optional value) and the help shows none.
    /// </summary>
    public Option<T> AddWithoutDefault<T>(string key, string name, string description, params string[] aliases) =>
        Add(new Option<T>(name, aliases) { Description = description }, key);

    /// <summary>The flag bound to <paramref name="key"/>; an option no flag sets (a library-only one) keeps its own name.</summary>
    public string FlagOf(string key) => _byKey.TryGetValue(key, out var option) ? option.Name : key;

    /// <summary>The one line a user reads for <paramref name="error"/>: the flag, what it must be, what was given.</summary>
    public UsageException Explain(OptionError error) =>
        new($"{FlagOf(error.Option)} must be {error.Requirement}, got {OptionError.Show(error.Value)}");

    /// <summary>
    /// A command with these flags whose action returns an exit code; an <see cref="OptionError"/> it throws, from the
    /// core or from a shell check, becomes a <see cref="UsageException"/> worded with the flag.
    /// </summary>
    public Command Command(string name, string description, Func<ParseResult, CancellationToken, int> action)
    {
        var command = new Command(name, description);
        foreach (var option in _options) command.Options.Add(option);
        command.SetAction((r, cancel) =>
        {
            try
            {
                return Task.FromResult(action(r, cancel));
            }
            catch (OptionError e)
            {
                throw Explain(e);
            }
        });
        return command;
    }
}
