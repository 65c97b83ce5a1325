namespace Functional.Shell;

/// <summary>The culture every number the shell prints or writes is formatted in (imported everywhere as <c>Inv</c>).</summary>
internal static class Invariant
{
    /// <summary>The invariant culture: "0.1", never a locale's "0,1".</summary>
    public static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
}
