using FsCheck.Xunit;
using Functional.Properties.Support;

// Every [Property] in this assembly: at least 100 cases, the shared Arbitraries, and FSCHECK_REPLAY/FSCHECK_MAXTEST honoured.
[assembly: PropertyDefaults]

namespace Functional.Properties.Support;

/// <summary>
/// Assembly-wide FsCheck configuration. A plain <c>[Property]</c> picks it up; a setting given on the method wins.
/// <list type="bullet">
/// <item><c>FSCHECK_REPLAY="seed,gamma"</c> (or <c>"seed,gamma,size"</c>, the numbers a failure prints) replays that run
/// for every property; filter to the failing one with <c>--filter</c>.</item>
/// <item><c>FSCHECK_MAXTEST=N</c> runs N cases per property instead of 100 (e.g. a longer soak).</item>
/// <item><c>MUTATION_TESTING</c> set (tools/mutation/run.sh sets it for Stryker): without <c>FSCHECK_REPLAY</c>, every
/// property replays <see cref="MutationReplay"/>, so each mutant meets the same cases and its verdict (killed or
/// survived) never depends on which cases a random seed happened to draw.</item>
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

    public PropertyDefaultsAttribute()
    {
        MaxTest = Environment.GetEnvironmentVariable("FSCHECK_MAXTEST") is { Length: > 0 } n ? int.Parse(n) : DefaultMaxTest;
        Arbitrary = [typeof(Arbitraries)];
        if (Environment.GetEnvironmentVariable("FSCHECK_REPLAY") is { Length: > 0 } replay)
            Replay = replay;
        else if (Environment.GetEnvironmentVariable("MUTATION_TESTING") is { Length: > 0 })
            Replay = MutationReplay;
    }
}
