using Functional.Model;
using Functional.Training;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// <see cref="RunPlan.With"/> and <see cref="TrainState.With"/>, the <c>with</c> of languages without C#'s: each field
/// given replaces that field alone, and no field given is the same values.
/// </summary>
public sealed class WithTests
{
    private static readonly Func<int, Rng, EpochData> NoData = (_, rng) => new EpochData([], rng);
    private static readonly Func<int, Rng, EpochData> OtherData = (_, rng) => new EpochData([], rng);
    private static readonly Func<Params, Rng, Drawn<Evaluation>> Evaluate = (_, rng) => new(new Evaluation.OfModel(1, null), rng);
    private static readonly Func<Params, Rng, Drawn<Evaluation>> OtherEvaluate = (_, rng) => new(new Evaluation.OfModel(2, null), rng);

    [Fact]
    public void A_plan_With_replaces_exactly_the_fields_given()
    {
        var plan = new RunPlan(5, NoData) { Evaluate = Evaluate, Start = new Position(2, 3, 0.5) };
        Assert.Equal(plan, plan.With());
        Assert.Equal(plan with { Epochs = 9 }, plan.With(epochs: 9));
        Assert.Equal(plan with { Data = OtherData }, plan.With(data: OtherData));
        Assert.Equal(plan with { Evaluate = OtherEvaluate }, plan.With(evaluate: OtherEvaluate));
        Assert.Equal(plan with { Start = Position.Start }, plan.With(start: Position.Start));
        var all = plan.With(epochs: 1, data: OtherData, evaluate: OtherEvaluate, start: new Position(4, 0));
        Assert.Equal(new RunPlan(1, OtherData) { Evaluate = OtherEvaluate, Start = new Position(4, 0) }, all);
        // A plan without an evaluation keeps none; With cannot remove one (C#'s with { Evaluate = null } does).
        Assert.Null(new RunPlan(5, NoData).With(epochs: 2).Evaluate);
    }

    [Fact]
    public void A_state_With_replaces_exactly_the_fields_given_and_shares_the_rest()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(2, [3], 1, new Activation.Tanh(), new Activation.Identity());
        var trainer = new Trainer(spec, new Loss.Mse(), new Adam(0.1));
        var (p, rng) = Init.Initialize(spec, Rng.Seed(1));
        var state = trainer.Start(p, rng) with { Step = 7 };
        var (q, _) = Init.Initialize(spec, Rng.Seed(2));
        var optimizer = new Sgd(0.1).Init(q);

        Assert.Equal(state, state.With());
        Assert.Equal(state with { Params = q }, state.With(parameters: q));
        Assert.Equal(state with { Optimizer = optimizer }, state.With(optimizer: optimizer));
        Assert.Equal(state with { Step = 8 }, state.With(step: 8));
        Assert.Equal(state with { Rng = Rng.Seed(9) }, state.With(rng: Rng.Seed(9)));
        Assert.Equal(new TrainState(q, optimizer, 0, Rng.Seed(9)), state.With(q, optimizer, 0, Rng.Seed(9)));
        Assert.Same(state.Params, state.With(step: 8).Params); // no tensor is copied
    }
}
