using System.Text.Json;

namespace Functional.Tests.Shared;

/// <summary>Committed test fixtures in <c>tests/Fixtures</c>, made by the scripts in <c>tools/reference</c> (no Python at test time).</summary>
public static class Fixtures
{
    /// <summary>The parsed JSON of <c>tests/Fixtures/<paramref name="name"/></c>.</summary>
    public static JsonElement Load(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "Fixtures", name);
            if (File.Exists(path) && File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
                return JsonDocument.Parse(File.ReadAllBytes(path)).RootElement;
        }
        throw new FileNotFoundException($"tests/Fixtures/{name} not found above {AppContext.BaseDirectory}");
    }
}
