using System.CommandLine.Parsing;

namespace Functional.Shell;

/// <summary>
/// How every number on the command line is read, in every command: in the invariant culture, as digits with an optional
/// sign, a decimal point and an exponent — no group separators (<c>0,1</c> and <c>1,5</c> are refused, not read as 1 and
/// 15), no spaces, no NaN or infinities, no value outside the type. A token that does not parse is one line naming the flag.
/// </summary>
internal static class Numbers
{
    private const NumberStyles Whole = NumberStyles.AllowLeadingSign;
    private const NumberStyles Real = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
    /// <summary>Gives a numeric option the strict parser; any other option is left as it is.</summary>
    public static void MakeStrict(Option option)
    {
        switch (option)
        {
            case Option<int> o: o.CustomParser = r => Token(r) is { } t ? Int(o.Name, t, r) : default; break;
            case Option<int?> o: o.CustomParser = r => Token(r) is { } t ? Int(o.Name, t, r) : null; break;
            case Option<long> o: o.CustomParser = r => Token(r) is { } t ? Long(o.Name, t, r) : default; break;
            case Option<double> o: o.CustomParser = r => Token(r) is { } t ? Double(o.Name, t, r) : default; break;
            case Option<double?> o: o.CustomParser = r => Token(r) is { } t ? Double(o.Name, t, r) : null; break;
            case Option<float> or Option<float?> or Option<decimal> or Option<short> or Option<uint> or Option<ulong> or Option<long?>:
                throw new InvalidOperationException($"{option.Name}: no strict parser for {option.ValueType.Name}; add one here");
        }
    }

    /// <summary>Whether <paramref name="option"/> holds a number (and so must have the strict parser).</summary>
    public static bool IsNumeric(Option option) =>
        (Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType) is var t && (t.IsPrimitive && t != typeof(bool) && t != typeof(char) || t == typeof(decimal));

    /// <summary>
    /// A comma-separated list of whole numbers, e.g. <c>64,64,64</c> (an empty text is an empty list); anything else is a
    /// <see cref="UsageException"/> naming <paramref name="flag"/>.
    /// </summary>
    public static IReadOnlyList<int> IntList(string flag, string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries);
        return [.. parts.Select(p => int.TryParse(p, Whole, Inv, out var v)
            ? v
            : throw new UsageException($"{flag} must be whole numbers separated by commas (e.g. 64,64,64), got '{text}'"))];
    }

    private static string? Token(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[^1].Value : null;

    private static int Int(string flag, string token, ArgumentResult r) =>
        int.TryParse(token, Whole, Inv, out var v) ? v : Fail<int>(r, WholeError(flag, token, int.MinValue, int.MaxValue));

    private static long Long(string flag, string token, ArgumentResult r) =>
        long.TryParse(token, Whole, Inv, out var v) ? v : Fail<long>(r, WholeError(flag, token, long.MinValue, long.MaxValue));

    private static double Double(string flag, string token, ArgumentResult r) =>
        !double.TryParse(token, Real, Inv, out var v)
            ? Fail<double>(r, $"{flag} must be a number written with a decimal point and no group separators (e.g. 0.01 or 1e-3), got '{token}'")
            : double.IsFinite(v) ? v : Fail<double>(r, $"{flag} must be a finite number, got '{token}'");

    private static string WholeError(string flag, string token, long min, long max) =>
        token.Length > 0 && token.TrimStart('-', '+').All(char.IsAsciiDigit) && token.Count(c => c is '-' or '+') <= 1
            ? $"{flag} must be a whole number from {min.ToString(Inv)} to {max.ToString(Inv)}, got '{token}'"
            : $"{flag} must be a whole number (digits, no separators), got '{token}'";

    private static T Fail<T>(ArgumentResult r, string message)
    {
        r.AddError(message);
        return default!;
    }
}
