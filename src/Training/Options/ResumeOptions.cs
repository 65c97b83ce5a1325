using System.Collections;
using System.Globalization;

namespace Functional.Training;

/// <summary>
/// The options a resumed run must share with the checkpoint it continues, in the form checkpoints store them
/// (<see cref="Checkpoints.RunInfo.Options"/>): the options record's property name → the value as invariant text. Each
/// exercise's options record lists its own in <c>MustMatchOnResume()</c>; nothing is found by reflection.
/// </summary>
public static class ResumeOptions
{
    /// <summary>The named values as a checkpoint's options map.</summary>
    public static ImmutableSortedDictionary<string, string> Of(params (string Name, object? Value)[] options) =>
        options.ToImmutableSortedDictionary(o => o.Name, o => Text(o.Value));

    /// <summary>
    /// A value as checkpoints store it: null as "", numbers, booleans ("True") and enum names in the invariant culture,
    /// lists comma-separated. Checkpoints written before these maps were declared used this same form, so they still match.
    /// </summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable items => string.Join(",", items.Cast<object?>().Select(Text)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
