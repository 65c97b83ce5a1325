namespace Functional.Tests.Shared;

/// <summary>The repository the tests were built from (linked into both test projects).</summary>
internal static class Repository
{
    /// <summary>The folder holding Functional.sln, found above the test's output folder.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"no Functional.sln above {AppContext.BaseDirectory}");
    }
}
