using FsCheck.Xunit;
using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// The init draws what PyTorch draws: under the same seed, the default init equals constructing the spec's
/// <c>nn.Linear</c> layers in order, and the uniform init equals that followed by <c>p.uniform_(low, high)</c> over the
/// parameters; the Rng it returns is the generator's state after those draws. The oracle is TorchSharp's own modules
/// on its global generator, hence the collection.
/// </summary>
[Collection(GlobalRng.Name)]
public sealed class InitTests
{
    // PyTorch: torch.manual_seed(seed); layers = [nn.Linear(l.In, l.Out) for l in spec.Layers]; for each param: p.uniform_(lo, hi).
    private static (Tensor[] Values, byte[] State) TorchInit(MlpSpec spec, long seed, Init.Uniform? uniform)
    {
        manual_seed(seed);
        var modules = spec.Layers.Select(l => TorchSharp.torch.nn.Linear(l.In, l.Out)).ToArray();
        var values = modules.SelectMany(m => new[] { m.weight!, m.bias! }).ToArray();
        if (uniform is not null)
            using (no_grad())
                foreach (var p in values) p.uniform_(uniform.Low, uniform.High);
        var copies = values.Select(v => v.detach().clone()).ToArray();
        foreach (var m in modules) m.Dispose();
        using var state = TorchSharp.torch.random.get_rng_state();
        return (copies, state.data<byte>().ToArray());
    }

    private static void AssertInitEqualsTorch(MlpSpec spec, long seed, Init? init)
    {
        using var scope = NewDisposeScope();
        var (p, rng) = Init.Initialize(spec, Rng.Seed(seed), init);
        var (expected, state) = TorchInit(spec, seed, init as Init.Uniform);
        Assert.Equal(spec.ParamNames().ToArray(), p.Names.ToArray());
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(ScalarType.Float32, p.Values[i].dtype);
            Assert.True(TensorAssert.Bytes(expected[i]).AsSpan().SequenceEqual(TensorAssert.Bytes(p.Values[i])),
                $"{spec} seed {seed}: {p.Names[i]} differs from torch's");
        }
        Assert.Equal(state, rng.GetState());
    }

    [Property(MaxTest = 40)]
    public void The_default_init_equals_nn_Linear_layers_built_in_order_under_the_same_seed(NetCase c) =>
        AssertInitEqualsTorch(c.Spec, c.Seed, null);

    [Property(MaxTest = 40)]
    public void The_uniform_init_equals_nn_Linear_layers_then_uniform_over_the_parameters(NetCase c, EluAlpha width) =>
        AssertInitEqualsTorch(c.Spec, c.Seed, new Init.Uniform(-width.Value, width.Value / 2));

    [Fact]
    public void Both_inits_free_every_tensor_they_do_not_return()
    {
        var spec = new MlpSpec(3, [4, 2], 1, new Activation.Relu(), new Activation.Identity());
        foreach (var init in new Init?[] { null, new Init.Default(), new Init.Uniform(-1, 1) })
        {
            var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Init.Initialize(spec, Rng.Seed(1), init).Value.Dispose();
            Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void Default_is_the_same_init_as_none()
    {
        var spec = new MlpSpec(2, [3], 2, new Activation.Tanh(), new Activation.Identity());
        using var a = Init.Initialize(spec, Rng.Seed(5)).Value;
        using var b = Init.Initialize(spec, Rng.Seed(5), new Init.Default()).Value;
        TensorAssert.Identical(a, b);
    }

    [Fact]
    public void Names_parse_case_insensitively_and_uniform_means_U_minus_1_1()
    {
        Assert.Equal(["default", "uniform"], Init.Names);
        Assert.Equal(new Init.Default(), Init.Parse("Default"));
        Assert.Equal(new Init.Uniform(-1, 1), Init.Parse("UNIFORM"));
        Assert.Equal("unknown init 'xavier' (expected one of: default, uniform)", Assert.Throws<ArgumentException>(() => Init.Parse("xavier")).Message);
    }
}
