using Functional.Model;
using Functional.Formats;
using Functional.Training;
using Functional.Training.Checkpoints;
using Functional.Training.Optimizers;
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
    public void RunPlan_With_replaces_only_the_named_fields()
    {
        Func<int, Rng, EpochData> data = (_, rng) => new EpochData([], rng);
        Func<int, Rng, EpochData> other = (_, rng) => new EpochData([], rng);
        Func<Params, Rng, Drawn<Evaluation>> evaluate = (_, rng) => new(new Evaluation.OfModel(1, null), rng);
        var plan = new RunPlan(3, data) { Evaluate = evaluate };
        Assert.Equal(plan, plan.With());
        Assert.Equal(plan with { Epochs = 7 }, plan.With(epochs: 7));
        Assert.Equal(plan with { Data = other }, plan.With(data: other));
        Assert.Equal(plan with { Start = new Position(2, 1) }, plan.With(start: new Position(2, 1)));
        var bare = new RunPlan(3, data);
        Assert.Equal(plan, bare.With(evaluate: evaluate));
    }

    [Fact]
    public void TrainState_With_replaces_only_the_named_fields_and_shares_the_rest()
    {
        var spec = Spec.With(squeezeOutput: false);
        var trainer = new Trainer(spec, new Loss.Mse(), new Sgd(0.1));
        var (p, rng) = Init.Initialize(spec, Rng.Seed(1));
        using var state = trainer.Start(p, rng);
        var moved = state.With(step: 5, rng: Rng.Seed(2));
        Assert.Equal(state with { Step = 5, Rng = Rng.Seed(2) }, moved);
        Assert.Same(state.Params, moved.Params); // no copy: dispose one of the two
        Assert.Same(state.Optimizer, moved.Optimizer);
        Assert.Equal(state, state.With());
    }

    [Fact]
    public void Params_Of_builds_what_the_constructor_builds()
    {
        using var w = ones(2, 3);
        using var p = Params.Of(["l1.weight"], [w.alias()]);
        Assert.Equal(["l1.weight"], p.Names.ToArray());
        using var q = new Params(["l1.weight"], [w.alias()]);
        Assert.True(p.ValueEquals(q));
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
