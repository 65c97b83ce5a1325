using Xunit;

namespace Functional.Tests.Shared;

/// <summary>
/// Tests that use TorchSharp's global generator (module constructors, torch.manual_seed) — the imperative
/// oracles — run in this collection, one at a time: the global RNG is shared across threads.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRng
{
    public const string Name = "global torch RNG";
}
