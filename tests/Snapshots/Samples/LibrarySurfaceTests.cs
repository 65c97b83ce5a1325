using Functional.Model;
using Functional.Formats;
using Functional.Training.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Snapshots.Samples;

/// <summary>The members added so the core reads well from F# (and from any language without C#'s <c>with</c> or <c>out</c>).</summary>
public sealed class LibrarySurfaceTests
{
    private static readonly MlpSpec Spec = new(2, [2], 1, new Activation.Tanh(), new Activation.Sigmoid()) { SqueezeOutput = true };

    [Fact]
    public void With_replaces_only_the_named_fields()
    {
        var wide = Spec.With(hidden: [4, 3], head: new Activation.Identity());
        Assert.Equal(Spec with { Hidden = [4, 3], Head = new Activation.Identity() }, wide);
        Assert.Equal(Spec, Spec.With());
        Assert.Equal(Spec.WithSequentialNames(), Spec.With(layerNames: ["0", "2"]));
    }

    [Fact]
    public void With_validates_like_the_constructor()
    {
        Assert.Throws<ArgumentException>(() => Spec.With(inputs: 0));
        Assert.Throws<ArgumentException>(() => Spec.With(hidden: [3, -1]));
        // Explicit layer names must cover the new layer count.
        Assert.Throws<ArgumentException>(() => Spec.WithSequentialNames().With(hidden: [4, 4]));
    }

    [Fact]
    public void Contains_finds_exactly_the_stored_tensors()
    {
        using var t = ones(2, 3);
        var file = SafeTensors.Deserialize(SafeTensors.Serialize([SafeTensors.FromTensor("l1.weight", t)], null), "test");
        Assert.True(file.Contains("l1.weight"));
        Assert.False(file.Contains("l1.bias"));
    }
}
