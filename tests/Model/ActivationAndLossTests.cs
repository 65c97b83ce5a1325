using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// The closed sets of activations and losses by name: each name parses to its case (case-insensitively) and back, an
/// unknown one is refused with the list of names, and MSE/BCE refuse outputs and targets of different shapes instead
/// of broadcasting them as PyTorch would. Their arithmetic is checked in <see cref="DefinitionProperties"/>.
/// </summary>
public sealed class ActivationAndLossTests
{
    public static TheoryData<string, Activation> ActivationNames => new()
    {
        { "relu", new Activation.Relu() },
        { "sigmoid", new Activation.Sigmoid() },
        { "tanh", new Activation.Tanh() },
        { "elu", new Activation.Elu(1.0) },
        { "identity", new Activation.Identity() },
        { "logsoftmax", new Activation.LogSoftmax() },
    };

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void An_activation_is_named_and_parsed_by_its_name_in_any_case(string name, Activation activation)
    {
        Assert.Equal(name, activation.Name);
        Assert.Equal(activation, Activation.Parse(name));
        Assert.Equal(activation, Activation.Parse(name.ToUpperInvariant()));
    }

    [Fact]
    public void The_activation_names_are_the_six_cases_and_none_is_the_identity()
    {
        Assert.Equal(["relu", "sigmoid", "tanh", "elu", "identity", "logsoftmax"], Activation.Names);
        Assert.Equal(new Activation.Identity(), Activation.Parse("None"));
    }

    [Fact]
    public void An_unknown_activation_is_refused_with_the_names_it_could_be() =>
        Assert.Equal("unknown activation 'gelu' (expected one of: relu, sigmoid, tanh, elu, identity, logsoftmax)",
            Assert.Throws<ArgumentException>(() => Activation.Parse("gelu")).Message);

    [Fact]
    public void Elu_defaults_to_PyTorchs_alpha_of_1_and_compares_by_alpha()
    {
        Assert.Equal(1.0, new Activation.Elu().Alpha);
        Assert.NotEqual(new Activation.Elu(0.5), new Activation.Elu());
    }

    [Fact]
    public void The_identity_returns_a_new_handle_on_the_same_values()
    {
        using var x = tensor(new[] { 1f, -2f, 3f });
        using var y = new Activation.Identity().Apply(x);
        Assert.False(ReferenceEquals(x, y));
        Assert.Equal(TensorAssert.Bytes(x), TensorAssert.Bytes(y));
        y.Dispose();
        Assert.False(x.IsInvalid); // disposing the alias leaves the input alive
    }

    public static TheoryData<string, Loss> LossNames => new()
    {
        { "mse", new Loss.Mse() },
        { "bce", new Loss.Bce() },
        { "crossentropy", new Loss.CrossEntropy() },
        { "nll", new Loss.Nll() },
    };

    [Theory]
    [MemberData(nameof(LossNames))]
    public void A_loss_has_its_name(string name, Loss loss) => Assert.Equal(name, loss.Name);

    [Theory]
    [InlineData("mse")]
    [InlineData("bce")]
    public void Mse_and_Bce_refuse_outputs_shaped_unlike_their_targets(string name)
    {
        Loss loss = name == "mse" ? new Loss.Mse() : new Loss.Bce();
        using var output = full(new long[] { 3, 1 }, 0.5f);
        using var target = full(new long[] { 1, 3 }, 0.25f);
        Assert.Equal($"{name}: output shape [3, 1] differs from target shape [1, 3]",
            Assert.Throws<ArgumentException>(() => loss.Compute(output, target)).Message);
        using var same = full(new long[] { 3, 1 }, 0.25f);
        using var value = loss.Compute(output, same);
        Assert.Empty(value.shape);
    }
}
