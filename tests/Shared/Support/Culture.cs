using System.Globalization;

namespace Functional.Tests.Shared;

/// <summary>Runs test code under another culture (this thread's), restoring the current one after.</summary>
public static class Culture
{
    /// <summary>Runs <paramref name="body"/> with <c>CultureInfo.CurrentCulture</c> set to <paramref name="name"/>, e.g. de-DE's "0,1".</summary>
    public static void Under(string name, Action body)
    {
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);
            body();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
