using System.Collections;
using System.Globalization;

namespace Functional.Training;

/// <summary>
/// An option outside the values it may take: which option (<see cref="Option"/>, named as its options record names it,
/// e.g. <c>nameof(XorOptions.Lr)</c>), the value given and what it must be. The core knows no console: a shell maps the
/// name to its own flag and words the line from <see cref="Requirement"/> and <see cref="Value"/>; the
/// <see cref="Exception.Message"/> reads the same with the property name, e.g. "Lr must be a positive number, got 0".
/// </summary>
public sealed class OptionError : ArgumentException
{
    /// <summary>An error for <paramref name="option"/> holding <paramref name="value"/>, which must be <paramref name="requirement"/>.</summary>
    public OptionError(string option, object? value, string requirement)
        : base($"{option} must be {requirement}, got {Show(value)}")
    {
        Option = option;
        Value = value;
        Requirement = requirement;
    }

    /// <summary>The option's name in its options record (a property name), never a console flag.</summary>
    public string Option { get; }

    /// <summary>The value that was given.</summary>
    public object? Value { get; }

    /// <summary>What the value must be, worded to follow "must be": "a positive number", "between 1 and 16", "one of: and|or".</summary>
    public string Requirement { get; }

    /// <summary>A value as the messages show it: numbers in the invariant culture, text in single quotes, lists comma-separated.</summary>
    public static string Show(object? value) => value switch
    {
        null => "nothing",
        string s => $"'{s}'",
        IEnumerable items => string.Join(",", items.Cast<object?>().Select(i => Convert.ToString(i, CultureInfo.InvariantCulture))),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
