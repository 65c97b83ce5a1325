using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>
/// An optimizer with a per-member learning rate on stacked ensemble params against K single runs, member k with its
/// own scalar rate on its own slice of the params and gradients.
/// </summary>
public static class MemberRuns
{
    /// <summary>
    /// Runs <paramref name="steps"/> steps of <c>make(PerMember(rates))</c> on stacked params w [K, 3, 2], b [K, 3] and
    /// of <c>make(rates[k])</c> on each member's slices, with the same gradients, and asserts that every member equals its
    /// single run to 1e-6 relative after every step. (Not bitwise: the per-member path multiplies by a rates tensor where
    /// the single run folds a scalar into its fused op.)
    /// </summary>
    public static void AssertEqualSingleRuns(Func<LearningRate, Optimizer> make, double[] rates, int steps, int seed)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(seed);
        var k = rates.Length;
        var stacked = new Params(["w", "b"], [d.Normal([k, 3, 2]).to(ScalarType.Float32), d.Normal([k, 3]).to(ScalarType.Float32)]);
        var ensemble = make(LearningRate.PerMember(rates));
        var ensembleState = ensemble.Init(stacked);
        var singles = Enumerable.Range(0, k).Select(i => stacked.Map(t => t[i].clone())).ToArray();
        var singleStates = singles.Select((p, i) => make(rates[i]).Init(p)).ToArray();
        for (var step = 1; step <= steps; step++)
        {
            var g = stacked.Map(t => d.Normal(t.shape).to(ScalarType.Float32));
            (stacked, ensembleState) = ensembleState.Update(stacked, g, step);
            for (var i = 0; i < k; i++)
            {
                var member = i;
                (singles[i], singleStates[i]) = singleStates[i].Update(singles[i], g.Map(t => t[member]), step);
                for (var j = 0; j < stacked.Count; j++)
                {
                    var err = TensorAssert.MaxRelativeError(singles[i].Values[j], stacked.Values[j][i], floor: 1e-6);
                    Assert.True(err <= 1e-6, $"{ensemble}: step {step}, member {i} (lr {rates[i]}), param {stacked.Names[j]}: relative error {err:E2} against its single run");
                }
            }
        }
    }
}
