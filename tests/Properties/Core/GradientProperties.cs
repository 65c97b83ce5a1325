using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// Every gradient the core relies on — <see cref="Gradients.Compute"/> through the core's Linear, Activation, Loss and
/// Mlp.Forward — equals central finite differences in float64 (eps 1e-6, atol 1e-5, rtol 1e-3, as torch.autograd.gradcheck).
/// Element-wise functions are checked through a random weighting Σ r·f(x), so every output's gradient counts.
/// </summary>
public sealed class GradientProperties
{
    [Property]
    public void Linear_layer_gradients_wrt_weight_bias_and_input_match_finite_differences(LinearCase c)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(c.Seed);
        var p = new Params(["input", "weight", "bias"], [d.Normal([c.Batch, c.In]), d.Normal([c.Out, c.In]), d.Normal([c.Out])]);
        var r = d.Normal([c.Batch, c.Out]);
        FiniteDifferences.AssertGradientMatches(q => Mlp.Linear(q["input"], q["weight"], q["bias"]).mul(r).sum(), p);
    }

    [Property]
    public void Relu_gradient_matches_finite_differences_away_from_the_kink(Matrix m) =>
        CheckActivation(new Activation.Relu(), m, awayFromZero: true);

    [Property]
    public void Sigmoid_gradient_matches_finite_differences(Matrix m) => CheckActivation(new Activation.Sigmoid(), m);

    [Property]
    public void Tanh_gradient_matches_finite_differences(Matrix m) => CheckActivation(new Activation.Tanh(), m);

    [Property]
    public void Elu_gradient_matches_finite_differences_for_any_alpha(Matrix m, EluAlpha alpha) =>
        CheckActivation(new Activation.Elu(alpha.Value), m, awayFromZero: true);

    [Property]
    public void Identity_gradient_matches_finite_differences(Matrix m) => CheckActivation(new Activation.Identity(), m);

    [Property]
    public void LogSoftmax_gradient_matches_finite_differences(Matrix m) => CheckActivation(new Activation.LogSoftmax(), m);

    [Property]
    public void Mse_gradient_matches_finite_differences(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var target = d.Normal(m.Shape);
        CheckLoss(new Loss.Mse(), d.Normal(m.Shape), target);
    }

    [Property]
    public void Bce_gradient_matches_finite_differences_on_probabilities(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var output = d.Uniform(m.Shape, 0.02, 0.98); // probabilities in (0, 1), away from log's edges
        var target = d.Uniform(m.Shape, 0, 1);       // soft targets, as BCELoss allows
        CheckLoss(new Loss.Bce(), output, target);
    }

    [Property]
    public void CrossEntropy_gradient_matches_finite_differences(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var logits = d.Normal(m.Shape, 2);
        CheckLoss(new Loss.CrossEntropy(), logits, d.Classes(m.Rows, m.Cols));
    }

    [Property]
    public void Nll_gradient_matches_finite_differences_with_random_class_targets(Matrix m)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var logProbabilities = d.Normal(m.Shape);
        CheckLoss(new Loss.Nll(), logProbabilities, d.Classes(m.Rows, m.Cols));
    }

    [Property]
    public Property Whole_network_gradients_match_finite_differences(NetCase c)
    {
        using var scope = NewDisposeScope();
        var (p, batch) = Networks.Materialize(c, ScalarType.Float64);
        var trainer = new Trainer(c.Spec, c.Loss, new Training.Optimizers.Sgd(0.1));
        // Relu/Elu cases within 1e-4 of a kink are discarded (FsCheck counts them and gives up if too many are): a
        // central difference of width 2e-6 must not straddle it. The others must agree, or the worst elements are shown.
        var smooth = Networks.DistanceToKink(c.Spec, p, batch.Inputs) > 1e-4;
        // Checked here, inside the scope: FsCheck forces the lambda after this method has returned.
        var agreement = smooth ? FiniteDifferences.Agreement(q => trainer.LossAt(q, batch), p) : null;
        return Prop.When(smooth, () => agreement!);
    }

    private static void CheckActivation(Activation activation, Matrix m, bool awayFromZero = false)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(m.Seed);
        var x = awayFromZero ? d.AwayFromZero(m.Shape) : d.Normal(m.Shape, 2);
        var r = d.Normal(m.Shape);
        FiniteDifferences.AssertGradientMatches(q => activation.Apply(q["x"]).mul(r).sum(), new Params(["x"], [x]));
    }

    private static void CheckLoss(Loss loss, Tensor output, Tensor target) =>
        FiniteDifferences.AssertGradientMatches(q => loss.Compute(q["output"], target), new Params(["output"], [output]));
}
