using FsCheck.Xunit;
using Functional.Model;
using Xunit;
using static TorchSharp.torch;

namespace Functional.ModelTests;

/// <summary>
/// The forward pass computes what the spec describes: each layer y = x·Wᵀ + b followed by its activation, checked
/// against that arithmetic done in plain doubles; with stacked ensemble params, member k computes what its own params
/// compute, whether the input is shared or per member.
/// </summary>
public sealed class MlpTests
{
    private const double Tolerance = 1e-12;

    // The activations' formulas in doubles, a row (one sample's outputs of a layer) at a time.
    private static double[] Activate(Activation a, double[] z) => a switch
    {
        Activation.Relu => [.. z.Select(v => Math.Max(0, v))],
        Activation.Sigmoid => [.. z.Select(v => 1 / (1 + Math.Exp(-v)))],
        Activation.Tanh => [.. z.Select(Math.Tanh)],
        Activation.Elu e => [.. z.Select(v => v > 0 ? v : e.Alpha * (Math.Exp(v) - 1))],
        Activation.Identity => z,
        Activation.LogSoftmax => LogSoftmax(z),
        _ => throw new ArgumentException(a.Name),
    };

    private static double[] LogSoftmax(double[] z)
    {
        var max = z.Max();
        var lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
        return [.. z.Select(v => v - lse)];
    }

    // One sample through the network in doubles: h ← act(W·h + b), layer by layer.
    private static double[] ByHand(MlpSpec spec, Params p, double[] x)
    {
        var h = x;
        foreach (var layer in spec.Layers)
        {
            var w = TensorAssert.Values(p.Weight(layer));
            var b = TensorAssert.Values(p.Bias(layer));
            var z = new double[layer.Out];
            for (var j = 0; j < layer.Out; j++)
            {
                z[j] = b[j];
                for (var i = 0; i < layer.In; i++) z[j] += w[j * layer.In + i] * h[i];
            }
            h = Activate(layer.Activation, z);
        }
        return h;
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static Params Float64(Params p) => p.Map(t => t.to(ScalarType.Float64));

    [Property]
    public void Forward_is_each_layers_affine_map_then_its_activation(NetCase c)
    {
        using var scope = NewDisposeScope();
        var p = Float64(Init.Initialize(c.Spec, Rng.Seed(c.Seed)).Value);
        var x = new Draws(c.Seed).Normal([c.Batch, c.Spec.Inputs], 2);
        var y = Mlp.Forward(c.Spec, p, x);
        Assert.Equal(c.Spec.SqueezeOutput ? [c.Batch] : new long[] { c.Batch, c.Spec.Outputs }, y.shape);
        var xs = TensorAssert.Values(x);
        var expected = Enumerable.Range(0, c.Batch)
            .SelectMany(b => ByHand(c.Spec, p, xs[(b * c.Spec.Inputs)..((b + 1) * c.Spec.Inputs)])).ToArray();
        AssertClose(expected, TensorAssert.Values(y), NetCase.Describe(c.Spec));
    }

    [Property(MaxTest = 50)]
    public void Stacked_members_each_compute_their_own_network_on_shared_or_own_inputs(NetCase c, Matrix members)
    {
        using var scope = NewDisposeScope();
        var k = members.Rows + 1; // at least 2 members
        var own = Enumerable.Range(0, k).Select(m => Float64(Init.Initialize(c.Spec, Rng.Seed(c.Seed + m)).Value)).ToArray();
        var stacked = new Params(own[0].Names, own[0].Names.Select(n => stack(own.Select(p => p[n]).ToArray())));
        var d = new Draws(members.Seed);
        var shared = d.Normal([c.Batch, c.Spec.Inputs]);
        var perMember = d.Normal([k, c.Batch, c.Spec.Inputs]);
        var fromShared = Mlp.Forward(c.Spec, stacked, shared);
        var fromOwn = Mlp.Forward(c.Spec, stacked, perMember);
        long[] memberShape = c.Spec.SqueezeOutput ? [c.Batch] : [c.Batch, c.Spec.Outputs];
        Assert.Equal([k, .. memberShape], fromShared.shape);
        Assert.Equal([k, .. memberShape], fromOwn.shape);
        for (var m = 0; m < k; m++)
        {
            AssertClose(TensorAssert.Values(Mlp.Forward(c.Spec, own[m], shared)), TensorAssert.Values(fromShared[m]), $"member {m}, shared input");
            AssertClose(TensorAssert.Values(Mlp.Forward(c.Spec, own[m], perMember[m])), TensorAssert.Values(fromOwn[m]), $"member {m}, own input");
        }
    }

    // nn.Linear's forward is F.linear(x, W, b) (one fused addmm); x·Wᵀ + b rounds differently in float32 at sizes like
    // MNIST's (measured: 10 of 30 draws of these shapes differ in some bit), and a seeded run would drift from PyTorch's.
    [Theory]
    [InlineData(10, 784, 64)]   // the MNIST tutorial's first layer, batch 10
    [InlineData(10, 64, 10)]
    [InlineData(64, 300, 300)]
    [InlineData(7, 33, 65)]
    [InlineData(3, 2, 1)]
    public void A_plain_layer_is_nn_Linears_forward_to_the_bit(int batch, int inputs, int outputs)
    {
        using var scope = NewDisposeScope();
        for (var seed = 0; seed < 5; seed++)
        {
            var d = new Draws(seed);
            var (x, w, b) = (d.Normal([batch, inputs]).to(ScalarType.Float32), d.Normal([outputs, inputs]).to(ScalarType.Float32), d.Normal([outputs]).to(ScalarType.Float32));
            Assert.Equal(TensorAssert.Bytes(nn.functional.linear(x, w, b)), TensorAssert.Bytes(Mlp.Linear(x, w, b)));
        }
    }

    [Fact]
    public void Linear_of_a_stack_is_each_members_x_W_transposed_plus_b()
    {
        using var scope = NewDisposeScope();
        var d = new Draws(3);
        var (w, b, x) = (d.Normal([2, 4, 3]), d.Normal([2, 4]), d.Normal([2, 5, 3])); // K 2, out 4, in 3, batch 5
        var y = Mlp.Linear(x, w, b);
        Assert.Equal([2L, 5, 4], y.shape);
        for (var m = 0; m < 2; m++)
            AssertClose(TensorAssert.Values(x[m].matmul(w[m].t()).add(b[m])), TensorAssert.Values(y[m]), $"member {m}");
    }

    [Fact]
    public void Forward_leaves_its_inputs_unchanged_and_returns_a_new_tensor_even_through_identity_layers()
    {
        using var scope = NewDisposeScope();
        var spec = new MlpSpec(2, [2], 2, new Activation.Identity(), new Activation.Identity());
        var p = Init.Initialize(spec, Rng.Seed(4)).Value;
        var x = new Draws(4).Normal([3, 2]).to(ScalarType.Float32);
        var before = p.Values.Append(x).Select(TensorAssert.Bytes).ToArray();
        var y = Mlp.Forward(spec, p, x);
        Assert.DoesNotContain(p.Values.Append(x), t => ReferenceEquals(t, y));
        Assert.Equal(before, p.Values.Append(x).Select(TensorAssert.Bytes).ToArray());
    }
}
