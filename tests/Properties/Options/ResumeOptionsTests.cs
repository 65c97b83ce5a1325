using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;
using Xunit;

namespace Functional.Properties.Options;

/// <summary>
/// Each exercise declares the options a resumed run must share with its checkpoint (<c>MustMatchOnResume()</c>).
/// Checkpoints made before the declarations stored every property of the options record, found by reflection; so that
/// they still resume, each declared entry must equal what that reflection gave, and every property but the declared
/// exceptions must be declared (a new option cannot be forgotten).
/// </summary>
public sealed class ResumeOptionsTests
{
    public static TheoryData<string, string[]> Records => new()
    {
        { nameof(LogicOptions), [nameof(LogicOptions.Epochs)] },
        { nameof(XorOptions), [nameof(XorOptions.Epochs)] },
        { nameof(RegressionOptions), [nameof(RegressionOptions.Epochs)] },
        { nameof(BlobClassifierOptions), [nameof(BlobClassifierOptions.Epochs)] },
        { nameof(PerceptronOptions), [] },
        { nameof(MnistOptions), [nameof(MnistOptions.Epochs)] },
        { nameof(XorSuiteOptions), [] },
    };

    // Options off their defaults (a checkpoint's values must come from the record, not from a default).
    private static object Sample(string record) => record switch
    {
        nameof(LogicOptions) => new LogicOptions("nor", 3, 7, 0.25, 9),
        nameof(XorOptions) => new XorOptions("tanh", "uniform", true, 0.05, 3, 4, 3, 42, XorDataStream.Torch),
        nameof(RegressionOptions) => new RegressionOptions(300, 5, "relu", "sgd", 1e-3, 7, 0.75, SplitMode.Random, 1e-4, 32, 5),
        nameof(BlobClassifierOptions) => new BlobClassifierOptions(30, 8, 6, 0.03, 9, 4, 0.5, false, 11),
        nameof(PerceptronOptions) => new PerceptronOptions(12, 3, 0.02, 4),
        nameof(MnistOptions) => new MnistOptions(2, 16, 3e-4, [32, 16], 8, 500),
        nameof(XorSuiteOptions) => new XorSuiteOptions(4, 20, 0.02, 3, 6, 41, 5, XorDataStream.Torch),
        _ => throw new ArgumentException(record),
    };

    /// <summary>What checkpoints stored before the declarations: every public instance property, as invariant text.</summary>
    private static ImmutableSortedDictionary<string, string> Reflected(object options) =>
        options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .ToImmutableSortedDictionary(p => p.Name, p => Text(p.GetValue(options)));

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable items => string.Join(",", items.Cast<object?>().Select(Text)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Declared_options_equal_what_earlier_checkpoints_stored_and_leave_out_only_the_named(string record, string[] leftOut)
    {
        var options = Sample(record);
        var declared = (ImmutableSortedDictionary<string, string>)options.GetType().GetMethod("MustMatchOnResume")!.Invoke(options, null)!;
        var reflected = Reflected(options);
        foreach (var (name, value) in declared)
        {
            Assert.True(reflected.ContainsKey(name), $"{record}: '{name}' is not a property: earlier checkpoints do not hold it");
            Assert.Equal((name, reflected[name]), (name, value));
        }
        Assert.Equal(reflected.Keys.Except(leftOut).Order(), declared.Keys.Order());
    }
}
