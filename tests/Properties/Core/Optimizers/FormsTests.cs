using Functional.Training.Optimizers;
using Xunit;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core.Optimizers;

/// <summary>
/// The one-line forms of optimizers and transforms (logs and error messages show them): a hyper-parameter appears
/// exactly when it differs from torch.optim's default, each on its own, in a fixed order and culture-invariant.
/// </summary>
public sealed class FormsTests
{
    [Theory]
    [InlineData(0.0, 0.0, false, 0.0, "sgd(lr=0.1)")]
    [InlineData(0.9, 0.0, false, 0.0, "sgd(lr=0.1, momentum=0.9)")]
    [InlineData(0.0, 0.5, false, 0.0, "sgd(lr=0.1, dampening=0.5)")]
    [InlineData(0.9, 0.0, true, 0.0, "sgd(lr=0.1, momentum=0.9, nesterov)")]
    [InlineData(0.0, 0.0, false, 0.01, "sgd(lr=0.1, weight_decay=0.01)")]
    [InlineData(0.5, -1.0, false, 1e-4, "sgd(lr=0.1, momentum=0.5, dampening=-1, weight_decay=0.0001)")]
    public void Sgd_shows_each_option_that_is_not_torchs_default(double momentum, double dampening, bool nesterov, double weightDecay, string text) =>
        Culture.Under("de-DE", () => Assert.Equal(text, new Sgd(0.1, momentum, dampening, nesterov, weightDecay).ToString()));

    [Theory]
    [InlineData(0.9, 0.999, 1e-8, 0.0, false, "adam(lr=0.001)")]
    [InlineData(0.8, 0.999, 1e-8, 0.0, false, "adam(lr=0.001, betas=(0.8, 0.999))")]
    [InlineData(0.9, 0.99, 1e-8, 0.0, false, "adam(lr=0.001, betas=(0.9, 0.99))")]
    [InlineData(0.9, 0.999, 1e-6, 0.0, false, "adam(lr=0.001, eps=1E-06)")]
    [InlineData(0.9, 0.999, 1e-8, 0.5, false, "adam(lr=0.001, weight_decay=0.5)")]
    [InlineData(0.9, 0.999, 1e-8, 0.0, true, "adam(lr=0.001, amsgrad)")]
    public void Adam_shows_each_option_that_is_not_torchs_default(double beta1, double beta2, double eps, double weightDecay, bool amsgrad, string text) =>
        Culture.Under("de-DE", () => Assert.Equal(text, new Adam(1e-3, beta1, beta2, eps, weightDecay, amsgrad).ToString()));

    [Fact]
    public void Transforms_print_their_parameters_and_a_chain_its_parts_in_order()
    {
        Culture.Under("de-DE", () =>
        {
            Assert.Equal("trace(momentum=0.9)", new Trace(0.9).ToString());
            Assert.Equal("trace(momentum=0.9, dampening=0.25)", new Trace(0.9, 0.25).ToString());
            Assert.Equal("trace(momentum=0.9, nesterov)", new Trace(0.9, nesterov: true).ToString());
            Assert.Equal("add_decayed_weights(0.5)", new AddDecayedWeights(0.5).ToString());
            Assert.Equal("scale_by_adam(betas=(0.9, 0.999), eps=1E-08)", new ScaleByAdam().ToString());
            Assert.Equal("scale_by_adam(betas=(0.5, 0.75), eps=0.125, amsgrad)", new ScaleByAdam(0.5, 0.75, 0.125, true).ToString());
            Assert.Equal("scale_by_learning_rate(0.1)", new ScaleByLearningRate(0.1).ToString());
            Assert.Equal("scale_by_learning_rate([0.1, 0.2])", new ScaleByLearningRate(LearningRate.PerMember([0.1, 0.2])).ToString());
            Assert.Equal("add_decayed_weights(0.5) → trace(momentum=0.9) → scale_by_learning_rate(0.1)",
                Chain.Of(new AddDecayedWeights(0.5), null, new Trace(0.9), new ScaleByLearningRate(0.1)).ToString());
        });
    }

    [Fact]
    public void A_chain_of_nothing_is_refused() =>
        Assert.Equal("a chain needs at least one transform", Assert.Throws<ArgumentException>(() => Chain.Of(null, null)).Message);
}
