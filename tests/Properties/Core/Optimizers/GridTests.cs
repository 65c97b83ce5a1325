using FsCheck.Xunit;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core.Optimizers;

/// <summary>
/// Every combination of options against torch.optim, every run: each generated case draws the values, and every cell
/// of the option grid (each option off, or on at its drawn value) takes the same steps as torch.optim from the same
/// params and gradients. The random-hyper-parameter properties in <see cref="SgdTests"/> and <see cref="AdamTests"/>
/// draw one combination per case; these leave none to chance.
/// </summary>
public sealed class GridTests
{
    /// <summary>momentum × dampening × Nesterov × weight decay, Nesterov only where torch allows it (momentum, no dampening): 10 cells.</summary>
    public static IEnumerable<Sgd> SgdCells(SgdGrid g) =>
        from momentum in new[] { 0, g.Momentum }
        from dampening in new[] { 0, g.Dampening }
        from nesterov in new[] { false, true }
        from weightDecay in new[] { 0, g.WeightDecay }
        where !nesterov || (momentum > 0 && dampening == 0)
        select new Sgd(g.Lr, momentum, dampening, nesterov, weightDecay);

    /// <summary>β₁ (0 or drawn) × ε (0 or drawn) × AMSGrad × weight decay, at the drawn β₂: 16 cells.</summary>
    public static IEnumerable<Adam> AdamCells(AdamGrid g) =>
        from beta1 in new[] { 0, g.Beta1 }
        from eps in new[] { 0, g.Eps }
        from amsgrad in new[] { false, true }
        from weightDecay in new[] { 0, g.WeightDecay }
        select new Adam(g.Lr, beta1, g.Beta2, eps, weightDecay, amsgrad);

    [Property(MaxTest = 20)]
    public void Every_cell_of_the_SGD_option_grid_equals_torch_optim_SGD(SgdGrid g)
    {
        var cells = SgdCells(g).ToList();
        Assert.Equal(10, cells.Distinct().Count());
        foreach (var sgd in cells)
            TorchOracle.AssertMatches(sgd, ps => TorchOracle.Sgd(ps, sgd), g.Run.Steps, g.Run.Rows, g.Run.Cols, g.Run.GradScale, g.Run.Seed);
    }

    [Property(MaxTest = 20)]
    public void Every_cell_of_the_Adam_option_grid_equals_torch_optim_Adam(AdamGrid g)
    {
        var cells = AdamCells(g).ToList();
        Assert.Equal(16, cells.Distinct().Count());
        foreach (var adam in cells)
            TorchOracle.AssertMatches(adam, ps => TorchOracle.Adam(ps, adam), g.Run.Steps, g.Run.Rows, g.Run.Cols, g.Run.GradScale, g.Run.Seed);
    }
}
