using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Data;
using Functional.Training.Exercises;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Data;

/// <summary>
/// The XOR data against the tutorial's data cell run by CPython and NumPy: tests/Fixtures/xor-data.json
/// (tools/reference/xor_data_fixture.py) holds, per seed, centering and input count, the first demo batch (what the
/// cell prints) and the first train, last train and last test batch, as float32 values.
/// </summary>
public sealed class XorDataTests
{
    private static readonly JsonElement Fixture = Fixtures.Load("xor-data.json");

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Fixture.GetProperty("cases").GetArrayLength())];

    private static void AssertBatch(JsonElement expected, Tensor inputs, Tensor targets, string what)
    {
        var x = expected.GetProperty("x").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => (float)v.GetDouble()).ToArray();
        var y = expected.GetProperty("y").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        // float32 to the bit: the values are computed in double and rounded once, as np.array(..., dtype='float32') does.
        Assert.True(x.SequenceEqual(inputs.contiguous().data<float>().ToArray()), $"{what}: inputs differ");
        Assert.True(y.SequenceEqual(targets.contiguous().data<float>().ToArray()), $"{what}: targets differ");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_data_cell_gives_what_python_gives(int index)
    {
        var c = Fixture.GetProperty("cases")[index];
        var (seed, center, inputs) = (c.GetProperty("seed").GetInt64(), c.GetProperty("center").GetBoolean(), c.GetProperty("inputs").GetInt32());
        var what = $"seed {seed}, center {center}, inputs {inputs}";
        using var scope = NewDisposeScope();
        var (demo, _) = XorData.Draw(PyRandom.Seed(seed), 1, Xor.BatchSize, inputs, center);
        AssertBatch(c.GetProperty("demo_first"), demo.Inputs[0], demo.Targets[0], $"{what}, first demo batch");
        var (train, test, _) = Xor.DrawData(new XorOptions(Center: center, Inputs: inputs, Seed: seed));
        AssertBatch(c.GetProperty("train_first"), train.Inputs[0], train.Targets[0], $"{what}, first train batch");
        AssertBatch(c.GetProperty("train_last"), train.Inputs[^1], train.Targets[^1], $"{what}, last train batch");
        AssertBatch(c.GetProperty("test_last"), test.Inputs[^1], test.Targets[^1], $"{what}, last test batch");
    }

    [Fact]
    public void The_first_demo_batch_for_seed_42_is_the_one_the_tutorial_prints()
    {
        // `random.seed(42); print(make_batch())` prints (NumPy, up to 8 digits after the point; demo_printed in the fixture):
        // (array([[0.07415505, 0.02448918], [0.05904925, 0.00317827], ... [1.0855318 , 0.08664837]], dtype=float32),
        //  array([0.01395379, 0.00936952, 0.07013249, 1.08693 , ... 1.0380126 ], dtype=float32))
        var printed = Fixture.GetProperty("cases")[0];
        Assert.Equal((42, false, 2), (printed.GetProperty("seed").GetInt32(), printed.GetProperty("center").GetBoolean(), printed.GetProperty("inputs").GetInt32()));
        var numbers = Regex.Matches(printed.GetProperty("demo_printed").GetString()!, @"\d+\.\d*(e[-+]\d+)?")
            .Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        using var scope = NewDisposeScope();
        var (demo, _) = XorData.Draw(PyRandom.Seed(42), 1, Xor.BatchSize, 2, center: false);
        var ours = demo.Inputs[0].contiguous().data<float>().ToArray().Concat(demo.Targets[0].data<float>().ToArray()).ToArray();
        Assert.Equal(30, numbers.Length);
        Assert.Equal(0.07415505, numbers[0]);
        Assert.Equal(1.0380126, numbers[^1]);
        for (var i = 0; i < ours.Length; i++)
            // NumPy prints at most 8 digits after the point (≤ 5e-9 off), of a float32 (≤ 6e-8 relative off the double)
            Assert.True(Math.Abs(ours[i] - numbers[i]) <= 5e-9 + 6e-8 * numbers[i],
                $"value {i}: printed {numbers[i]}, ours {ours[i]:R}");
    }

    [Fact]
    public void Drawing_in_one_go_or_batch_by_batch_gives_the_same_data_and_state()
    {
        using var scope = NewDisposeScope();
        var (all, end) = XorData.Draw(PyRandom.Seed(9), 4, 10, 3, center: true);
        var r = PyRandom.Seed(9);
        for (var b = 0; b < 4; b++)
        {
            var (one, next) = XorData.Draw(r, 1, 10, 3, center: true);
            Assert.Equal(TensorAssert.Bytes(all.Inputs[b]), TensorAssert.Bytes(one.Inputs[0]));
            Assert.Equal(TensorAssert.Bytes(all.Targets[b]), TensorAssert.Bytes(one.Targets[0]));
            r = next;
        }
        Assert.Equal(end, r);
    }
}
