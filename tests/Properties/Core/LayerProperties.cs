using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Ensembles;
using Functional.Training.Exercises;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// <see cref="MlpSpec.Layers"/> is the one walk over a network (tests/Model checks the walk itself): the exercises' specs
/// and the ensemble layout agree with it.
/// </summary>
public sealed class LayerProperties
{
    [Fact]
    public void Layer_names_are_l1_l2_by_default_or_the_specs_own()
    {
        var spec = new MlpSpec(3, [4, 5], 2, new Activation.Relu(), new Activation.Identity());
        Assert.Equal(["l1", "l2", "l3"], spec.Layers.Select(l => l.Name));
        Assert.Equal(["0", "2", "4"], spec.WithSequentialNames().Layers.Select(l => l.Name));
        var mnist = Mnist.Spec([64, 64, 64]).Layers;
        Assert.Equal(["fc1.weight", "fc2.weight", "fc3.weight", "fc4.weight"], mnist.Select(l => l.WeightName));
        Assert.Equal(["fc1.bias", "fc2.bias", "fc3.bias", "fc4.bias"], mnist.Select(l => l.BiasName));
        Assert.Equal(new LayerSpec(3, "fc4", 64, 10, new Activation.LogSoftmax()), mnist[3]);
    }

    [Property(MaxTest = 40)]
    public Property Padding_puts_each_member_in_the_envelopes_corner_and_unpadding_gives_it_back_bit_for_bit() =>
        Prop.ForAll(Arbitraries.EnsembleMembers.ToArbitrary(), specs =>
        {
            using var scope = NewDisposeScope();
            using var layout = new MemberLayout(specs);
            var own = specs.Select((s, k) => Init.Initialize(s, Rng.Seed(k)).Value).ToArray();
            var padded = own.Select(layout.Pad).ToArray();
            foreach (var (p, k) in padded.Select((p, k) => (p, k)))
            {
                Assert.Equal(layout.Envelope.ParamNames().ToArray(), p.Names.ToArray());
                foreach (var (mine, envelope) in specs[k].Layers.Zip(layout.Envelope.Layers))
                {
                    // nn.functional.pad pads the last dimension first: [left, right, top, bottom].
                    var weight = nn.functional.pad(own[k].Weight(mine), [0, envelope.In - mine.In, 0, envelope.Out - mine.Out]);
                    var bias = nn.functional.pad(own[k].Bias(mine), [0, envelope.Out - mine.Out]);
                    Assert.Equal(envelope.WeightShape, p.Weight(envelope).shape);
                    Assert.Equal(envelope.BiasShape, p.Bias(envelope).shape);
                    Assert.Equal(TensorAssert.Bytes(weight), TensorAssert.Bytes(p.Weight(envelope)));
                    Assert.Equal(TensorAssert.Bytes(bias), TensorAssert.Bytes(p.Bias(envelope)));
                }
            }
            var stacked = new Params(layout.Envelope.ParamNames(),
                layout.Envelope.ParamNames().Select(n => stack(padded.Select(p => p[n]).ToArray())));
            for (var k = 0; k < specs.Length; k++)
            {
                var back = layout.Unpad(stacked, k);
                Assert.Equal(own[k].Names.ToArray(), back.Names.ToArray());
                for (var i = 0; i < back.Count; i++)
                    Assert.Equal(TensorAssert.Bytes(own[k].Values[i]), TensorAssert.Bytes(back.Values[i]));
            }
        });
}
