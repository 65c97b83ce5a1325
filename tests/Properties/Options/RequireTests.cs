using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Training;
using Xunit;

namespace Functional.Properties.Options;

/// <summary>The option checks: a value passes through unchanged, or an <see cref="OptionError"/> says which option, what it held and what it must be.</summary>
public sealed class RequireTests
{
    [Property]
    public Property Between_passes_exactly_the_values_in_range(int value, int a, int b)
    {
        var (min, max) = (Math.Min(a, b), Math.Max(a, b));
        if (value >= min && value <= max) return (Require.Between("Width", value, min, max) == value).ToProperty();
        var e = Assert.Throws<OptionError>(() => Require.Between("Width", value, min, max));
        return (e.Option == "Width" && Equals(e.Value, value) && e.Requirement == $"between {min} and {max}"
                && e.Message == $"Width must be between {min} and {max}, got {value}").Label(e.Message);
    }

    [Theory]
    [InlineData(0.1, null)]
    [InlineData(1e30, null)]
    [InlineData(0.0, "a positive number")]
    [InlineData(-1.0, "a positive number")]
    [InlineData(double.NaN, "a positive number")]
    [InlineData(double.PositiveInfinity, "a positive number")]
    [InlineData(1.0000001e30, "a positive number no larger than 1E+30")]
    [InlineData(1e39, "a positive number no larger than 1E+30")]
    public void A_positive_number_is_finite_and_within_float32_headroom(double value, string? requirement)
    {
        if (requirement is null) Assert.Equal(value, Require.PositiveNumber("Lr", value));
        else Assert.Equal(requirement, Assert.Throws<OptionError>(() => Require.PositiveNumber("Lr", value)).Requirement);
    }

    [Theory]
    [InlineData(0.0, null)]
    [InlineData(1e-3, null)]
    [InlineData(-1e-9, "a number ≥ 0")]
    [InlineData(double.NaN, "a number ≥ 0")]
    [InlineData(1e300, "a number ≥ 0 no larger than 1E+30")]
    public void A_non_negative_number_is_finite_and_within_float32_headroom(double value, string? requirement)
    {
        if (requirement is null) Assert.Equal(value, Require.NonNegativeNumber("WeightDecay", value));
        else Assert.Equal(requirement, Assert.Throws<OptionError>(() => Require.NonNegativeNumber("WeightDecay", value)).Requirement);
    }

    [Fact]
    public void The_other_checks_say_what_the_value_must_be()
    {
        Assert.Equal(3, Require.Positive("Epochs", 3));
        Assert.Equal("positive", Assert.Throws<OptionError>(() => Require.Positive("Epochs", 0)).Requirement);
        Assert.Equal("0 or more", Assert.Throws<OptionError>(() => Require.AtLeast("Hidden", -1, 0)).Requirement);
        Assert.Equal("at least 2", Assert.Throws<OptionError>(() => Require.AtLeast("Suites", 1, 2)).Requirement);
        Assert.Null(Require.Between("Only", (int?)null, 1, 6));
        Assert.Equal(0.5, Require.Fraction("Split", 0.5));
        Assert.Equal("a fraction between 0 and 1 (exclusive)", Assert.Throws<OptionError>(() => Require.Fraction("Split", 1.0)).Requirement);
        Assert.Equal("or", Require.OneOf("Gate", "or", ["and", "or"]));
        var oneOf = Assert.Throws<OptionError>(() => Require.OneOf("Gate", "maybe", ["and", "or"]));
        Assert.Equal("Gate must be one of: and|or, got 'maybe'", oneOf.Message);
        Assert.Equal("one of: Python|Torch", Assert.Throws<OptionError>(() => Require.Defined("Data", (Training.Data.XorDataStream)7)).Requirement);
        Assert.Equal([64, 64], Require.EachBetween("Hidden", [64, 64], 1, 1024, 16));
        var each = Assert.Throws<OptionError>(() => Require.EachBetween("Hidden", [64, 0], 1, 1024, 16));
        Assert.Equal("Hidden must be at most 16 values, each between 1 and 1024, got 64,0", each.Message);
        Assert.Throws<OptionError>(() => Require.EachBetween("Hidden", [.. Enumerable.Repeat(1, 17)], 1, 1024, 16));
    }

    [Fact]
    public void An_option_error_is_an_argument_exception_with_one_line_and_no_flag()
    {
        ArgumentException e = new OptionError("Lr", 0.0, "a positive number");
        Assert.Equal("Lr must be a positive number, got 0", e.Message);
        Assert.Null(e.ParamName);
    }
}
