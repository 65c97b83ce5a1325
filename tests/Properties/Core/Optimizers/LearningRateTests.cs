using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;

namespace Functional.Properties.Core.Optimizers;

/// <summary>LearningRate: a valid scalar or per-member list, compared by value.</summary>
public sealed class LearningRateTests
{
    [Fact]
    public void A_double_is_a_scalar_rate()
    {
        LearningRate lr = 0.25;
        Assert.Equal(0.25, lr.Scalar);
        Assert.False(lr.IsPerMember);
        Assert.Empty(lr.Members);
        Assert.Equal(LearningRate.Of(0.25), lr);
        Assert.Equal(0.0, LearningRate.Of(0).Scalar); // torch.optim's lower limit, accepted
    }

    [Fact]
    public void Per_member_rates_compare_by_value()
    {
        var a = LearningRate.PerMember([0.1, 0.2]);
        Assert.True(a.IsPerMember);
        Assert.Null(a.Scalar);
        Assert.Equal(LearningRate.PerMember(new List<double> { 0.1, 0.2 }), a);
        Assert.Equal(LearningRate.PerMember([0.1, 0.2]).GetHashCode(), a.GetHashCode());
        Assert.NotEqual(LearningRate.PerMember([0.2, 0.1]), a);
        Assert.NotEqual(LearningRate.PerMember([0.1]), LearningRate.Of(0.1));
        // Unequal rates hash apart: the scalar and every member rate count.
        Assert.NotEqual(LearningRate.Of(0.1).GetHashCode(), LearningRate.Of(0.2).GetHashCode());
        Assert.NotEqual(a.GetHashCode(), LearningRate.PerMember([0.1, 0.3]).GetHashCode());
    }

    [Theory]
    [InlineData(-1e-300, "Invalid learning rate: -1E-300")]
    [InlineData(double.NaN, "Invalid learning rate: NaN")]
    [InlineData(double.NegativeInfinity, "Invalid learning rate: -Infinity")]
    public void Invalid_rates_cannot_be_built(double rate, string message)
    {
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => LearningRate.Of(rate)).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => LearningRate.PerMember([0.1, rate])).Message);
    }

    [Fact]
    public void An_empty_member_list_cannot_be_built() =>
        Assert.Equal("Invalid learning rate: no member rates", Assert.Throws<ArgumentException>(() => LearningRate.PerMember([])).Message);

    [Fact]
    public void Prints_culture_invariant()
    {
        Culture.Under("de-DE", () =>
        {
            Assert.Equal("0.001", LearningRate.Of(1e-3).ToString());
            Assert.Equal("[0.5, 1E-05]", LearningRate.PerMember([0.5, 1e-5]).ToString());
        });
    }
}
