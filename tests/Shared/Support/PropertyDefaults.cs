using FsCheck.Xunit;

namespace Functional.Tests.Shared;

/// <summary>
/// Assembly-wide FsCheck configuration, one line per test project: <c>[assembly: PropertyDefaults(typeof(ItsArbitraries))]</c>.
/// A plain <c>[Property]</c> picks it up; a setting given on the method wins.
/// <list type="bullet">
/// <item>At least <see cref="DefaultMaxTest"/> cases; the <see cref="ModelArbitraries"/> and the project's own registered.</item>
/// <item><c>FSCHECK_REPLAY="seed,gamma"</c> (or <c>"seed,gamma,size"</c>, the numbers a failure prints) replays that run
/// for every property; filter to the failing one with <c>--filter</c>.</item>
/// <item><c>FSCHECK_MAXTEST=N</c> runs N cases per property instead of 100 (e.g. a longer soak).</item>
/// <item>While mutation testing — <c>MUTATION_TESTING</c> set (tools/mutation/run.sh sets it), or a test host that Stryker.NET
/// started (it gives each one an <c>ACTIVE_MUTATION_*</c> variable) — every property replays <see cref="MutationReplay"/>
/// unless <c>FSCHECK_REPLAY</c> says otherwise, so each mutant meets the same cases and its verdict never depends on
/// which cases a random seed happened to draw.</item>
/// </list>
/// FsCheck reads this attribute's configuration through reflection on the constructed instance, so setting the
/// inherited properties in the constructor is enough. No Parallelism: TorchSharp's DisposeScopes are thread-local.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class PropertyDefaultsAttribute : PropertiesAttribute
{
    public const int DefaultMaxTest = 100;

    /// <summary>The seed every property replays while mutation testing (any FsCheck seed pair would do; the gamma must be odd).</summary>
    public const string MutationReplay = "7870259657573356630,8087166531228524057";

    /// <param name="arbitraries">The project's own Arbitrary classes, registered after <see cref="ModelArbitraries"/>.</param>
    public PropertyDefaultsAttribute(params Type[] arbitraries)
    {
        MaxTest = Environment.GetEnvironmentVariable("FSCHECK_MAXTEST") is { Length: > 0 } n ? int.Parse(n) : DefaultMaxTest;
        Arbitrary = [typeof(ModelArbitraries), .. arbitraries];
        if (Environment.GetEnvironmentVariable("FSCHECK_REPLAY") is { Length: > 0 } replay)
            Replay = replay;
        else if (MutationTesting)
            Replay = MutationReplay;
    }

    /// <summary>Whether this process runs under mutation testing (see the class summary).</summary>
    public static bool MutationTesting { get; } =
        Environment.GetEnvironmentVariable("MUTATION_TESTING") is { Length: > 0 }
        || Environment.GetEnvironmentVariables().Keys.OfType<string>().Any(k => k.StartsWith("ACTIVE_MUTATION_", StringComparison.Ordinal));
}
