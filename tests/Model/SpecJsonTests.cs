using FsCheck.Xunit;
using Functional.Model;
using Xunit;

namespace Functional.ModelTests;

/// <summary>
/// A spec's JSON form (what checkpoints store): fixed keys in a fixed order, every field of the spec, and read back to
/// an equal spec; anything else is refused as not a spec.
/// </summary>
public sealed class SpecJsonTests
{
    [Fact]
    public void Writes_every_field_in_a_fixed_order()
    {
        var spec = new MlpSpec(2, [3, 4], 1, new Activation.Tanh(), new Activation.Sigmoid()) { SqueezeOutput = true };
        Assert.Equal("""{"inputs":2,"hidden":[3,4],"outputs":1,"activation":"tanh","head":"sigmoid","squeeze":true,"layers":["l1","l2","l3"]}""",
            SpecJson.Write(spec));
        var elu = new MlpSpec(1, [20], 1, new Activation.Elu(0.5), new Activation.Elu(2)).WithSequentialNames();
        Assert.Equal("""{"inputs":1,"hidden":[20],"outputs":1,"activation":"elu","head":"elu","squeeze":false,"layers":["0","2"],"elu_alpha":0.5,"head_elu_alpha":2}""",
            SpecJson.Write(elu));
    }

    [Property]
    public bool Reads_back_what_it_writes(NetCase c, EluAlpha alpha)
    {
        var spec = c.Spec;
        var variants = new[]
        {
            spec, spec.WithSequentialNames(), spec with { HiddenActivation = new Activation.Elu(alpha.Value) },
            spec with { Head = new Activation.Elu(alpha.Value * 0.5) },
        };
        return variants.All(s => SpecJson.Read(SpecJson.Write(s)) is var back && back == s && SpecJson.Write(back) == SpecJson.Write(s));
    }

    [Fact]
    public void Optional_keys_default_to_an_unsqueezed_spec_with_default_names_and_PyTorchs_elu()
    {
        var spec = SpecJson.Read("""{"inputs":2,"hidden":[],"outputs":3,"activation":"elu","head":"identity"}""");
        Assert.Equal(new MlpSpec(2, [], 3, new Activation.Elu(1), new Activation.Identity()), spec);
        Assert.False(spec.SqueezeOutput);
        Assert.Empty(spec.LayerNames);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"inputs":2,"hidden":[],"outputs":1,"activation":"relu"}""")]                            // no head
    [InlineData("""{"inputs":"two","hidden":[],"outputs":1,"activation":"relu","head":"identity"}""")]
    [InlineData("""{"inputs":0,"hidden":[],"outputs":1,"activation":"relu","head":"identity"}""")]
    [InlineData("""{"inputs":2,"hidden":[],"outputs":1,"activation":"gelu","head":"identity"}""")]
    public void Anything_but_a_valid_spec_is_refused_as_one(string json) =>
        Assert.StartsWith("not a valid network spec (", Assert.Throws<InvalidDataException>(() => SpecJson.Read(json)).Message);

    [Fact]
    public void A_layer_name_list_must_name_every_layer()
    {
        var e = Assert.Throws<InvalidDataException>(() => SpecJson.Read("""{"inputs":2,"hidden":[3],"outputs":1,"activation":"relu","head":"identity","layers":["a"]}"""));
        Assert.Equal("spec lists 1 layer names for 2 layers", e.Message);
    }
}
