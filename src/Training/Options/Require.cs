using System.Globalization;

namespace Functional.Training;

/// <summary>
/// The checks exercise options go through, each written once: every one returns the value when it passes and throws an
/// <see cref="OptionError"/> naming the option otherwise. Options records call them from their <c>Validate()</c>.
/// </summary>
public static class Require
{
    /// <summary>At least 1.</summary>
    public static int Positive(string option, int value) => value > 0 ? value : throw new OptionError(option, value, "positive");

    /// <summary>At least <paramref name="min"/>.</summary>
    public static int AtLeast(string option, int value, int min) =>
        value >= min ? value : throw new OptionError(option, value, min == 0 ? "0 or more" : $"at least {min}");

    /// <summary>From <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static int Between(string option, int value, int min, int max) =>
        value >= min && value <= max ? value : throw new OptionError(option, value, $"between {min} and {max}");

    /// <summary>Null, or from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int? Between(string option, int? value, int min, int max) => value is { } v ? Between(option, v, min, max) : null;

    /// <summary>At most <paramref name="maxCount"/> values, each from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static IReadOnlyList<int> EachBetween(string option, IReadOnlyList<int> values, int min, int max, int maxCount) =>
        values.Count <= maxCount && values.All(v => v >= min && v <= max)
            ? values
            : throw new OptionError(option, values, maxCount == int.MaxValue ? $"values each between {min} and {max}" : $"at most {maxCount} values, each between {min} and {max}");

    /// <summary>
    /// A positive number no larger than <see cref="Limits.Float32Number"/>: finite, and small enough that the float32
    /// arithmetic it meets stays finite (NaN and infinities fail).
    /// </summary>
    public static double PositiveNumber(string option, double value) =>
        !(value > 0) || double.IsInfinity(value) ? throw new OptionError(option, value, "a positive number")
        : value > Limits.Float32Number ? throw new OptionError(option, value, $"a positive number no larger than {Show(Limits.Float32Number)}")
        : value;

    /// <summary>A number ≥ 0 no larger than <see cref="Limits.Float32Number"/> (NaN and infinities fail).</summary>
    public static double NonNegativeNumber(string option, double value) =>
        !(value >= 0) || double.IsInfinity(value) ? throw new OptionError(option, value, "a number ≥ 0")
        : value > Limits.Float32Number ? throw new OptionError(option, value, $"a number ≥ 0 no larger than {Show(Limits.Float32Number)}")
        : value;

    /// <summary>Strictly between 0 and 1.</summary>
    public static double Fraction(string option, double value) =>
        value > 0 && value < 1 ? value : throw new OptionError(option, value, "a fraction between 0 and 1 (exclusive)");

    /// <summary>One of <paramref name="allowed"/> (compared exactly: callers lower-case first where case does not matter).</summary>
    public static string OneOf(string option, string value, IEnumerable<string> allowed)
    {
        var names = allowed.ToList();
        return names.Contains(value) ? value : throw new OptionError(option, value, $"one of: {string.Join("|", names)}");
    }

    /// <summary>A named value of the enum <typeparamref name="T"/>.</summary>
    public static T Defined<T>(string option, T value) where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new OptionError(option, value, $"one of: {string.Join("|", Enum.GetNames<T>())}");

    private static string Show(double x) => x.ToString("G", CultureInfo.InvariantCulture);
}
