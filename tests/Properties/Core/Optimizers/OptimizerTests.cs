using FsCheck.Xunit;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;
using Adam = Functional.Training.Optimizers.Adam;

namespace Functional.Properties.Core.Optimizers;

/// <summary>Optimizers and their states in general: pure updates, value equality, the JSON form checkpoints store.</summary>
public sealed class OptimizerTests
{
    [Property]
    public void Update_changes_none_of_its_inputs_and_returns_only_new_tensors(StepCase c)
    {
        using var scope = NewDisposeScope();
        var d = new Draws(c.Net.Seed);
        var p = new Params(["w", "b"], [d.Normal([3, 2]).to(ScalarType.Float32), d.Normal([3]).to(ScalarType.Float32)]);
        Params Grads() => p.Map(t => d.Normal(t.shape).to(ScalarType.Float32));
        var (p1, s1) = c.Optimizer.Init(p).Update(p, Grads(), step: 1);
        var g = Grads();
        var inputs = p1.Values.Concat(s1.Tensors.Select(t => t.Value)).Concat(g.Values).ToArray();
        var before = inputs.Select(TensorAssert.Bytes).ToArray();
        var (p2, s2) = s1.Update(p1, g, step: 2);
        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(before[i], TensorAssert.Bytes(inputs[i]));
        Assert.DoesNotContain(p2.Values.Concat(s2.Tensors.Select(t => t.Value)), t => inputs.Any(i => ReferenceEquals(i, t)));
        Assert.Equal(s1.Tensors.Select(t => t.Name), s2.Tensors.Select(t => t.Name));
    }

    [Property]
    public void Json_round_trips_every_optimizer(StepCase c)
    {
        var back = Optimizer.FromJson(c.Optimizer.ToJson());
        Assert.Equal(c.Optimizer, back);
        Assert.Equal(c.Optimizer.ToString(), back.ToString());
    }

    [Fact]
    public void The_first_update_is_step_1()
    {
        using var scope = NewDisposeScope();
        var p = TestTrees.Draw(new Draws(90));
        Assert.StartsWith("the first update is step 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam().Init(p).Update(p, p, step: 0)).Message);
        var (_, state) = new Adam().Init(p).Update(p, p, step: 1);
        state.Dispose();
    }

    [Fact]
    public void Optimizers_compare_by_value()
    {
        Assert.Equal(new Sgd(0.1, 0.9), new Sgd(0.1, Momentum: 0.9));
        Assert.Equal(new Sgd(0.1, 0.9).GetHashCode(), new Sgd(0.1, Momentum: 0.9).GetHashCode());
        Assert.NotEqual(new Sgd(0.1), new Sgd(0.1, 0.9));
        Assert.NotEqual<Optimizer>(new Sgd(0.01), new Adam(0.01));
        Assert.Equal(new Adam(LearningRate.PerMember([0.1, 0.2])), new Adam(LearningRate.PerMember([0.1, 0.2])));
        Assert.NotEqual(new Adam(LearningRate.PerMember([0.1, 0.2])), new Adam(0.1));
    }

    [Theory]
    [InlineData("""{"kind":"adam","lr":0.001""", "not a valid optimizer (")]
    [InlineData("""[1]""", "not a valid optimizer (")]
    [InlineData("""{"kind":"rmsprop","lr":0.01}""", "not a valid optimizer (unknown kind 'rmsprop')")]
    [InlineData("""{"lr":0.01}""", "not a valid optimizer (no 'kind')")]
    [InlineData("""{"kind":"sgd","lr":0.1,"momentum":0,"dampening":0,"nesterov":false}""", "not a valid optimizer (no 'weight_decay')")]
    [InlineData("""{"kind":"sgd","lr":0.1,"momentum":0,"dampening":0,"nesterov":false,"weight_decay":0,"foreach":true}""", "not a valid optimizer (unknown key 'foreach')")]
    [InlineData("""{"kind":"sgd","lr":-0.1,"momentum":0,"dampening":0,"nesterov":false,"weight_decay":0}""", "not a valid optimizer (Invalid learning rate: -0.1)")]
    [InlineData("""{"kind":"sgd","lr":[],"momentum":0,"dampening":0,"nesterov":false,"weight_decay":0}""", "not a valid optimizer (Invalid learning rate: no member rates)")]
    [InlineData("""{"kind":"sgd","lr":"0.1","momentum":0,"dampening":0,"nesterov":false,"weight_decay":0}""", "not a valid optimizer (")]
    [InlineData("""{"kind":"adam","lr":0.001,"betas":[0.9],"eps":1e-8,"weight_decay":0,"amsgrad":false}""", "not a valid optimizer ('betas' holds 1 values, not 2)")]
    [InlineData("""{"kind":"adam","lr":0.001,"betas":[0.9,0.999,0.9],"eps":1e-8,"weight_decay":0,"amsgrad":false}""", "not a valid optimizer ('betas' holds 3 values, not 2)")]
    [InlineData("""{"kind":"adam","lr":0.001,"betas":[0.9,0.999],"eps":1e-8,"weight_decay":0,"amsgrad":false,"fused":false}""", "not a valid optimizer (unknown key 'fused')")]
    [InlineData("""{"kind":"adam","eps":1e-8,"weight_decay":0,"amsgrad":false}""", "not a valid optimizer (no 'lr')")]    // the first missing key in the form's order
    [InlineData("""{"kind":"sgd","lr":[0.1,null],"momentum":0,"dampening":0,"nesterov":false,"weight_decay":0}""", "not a valid optimizer (a null learning rate)")]
    [InlineData("null", "not a valid optimizer (null)")]
    [InlineData("""{"kind":"adam","lr":0.001,"betas":[1,0.999],"eps":1e-8,"weight_decay":0,"amsgrad":false}""", "not a valid optimizer (Invalid beta parameter at index 0: 1)")]
    [InlineData("""{"kind":"adam","lr":0.001,"betas":[0.9,null],"eps":1e-8,"weight_decay":0,"amsgrad":false}""", "not a valid optimizer (a null beta at index 1)")]
    public void FromJson_refuses_anything_but_a_valid_optimizer(string json, string message) =>
        Assert.StartsWith(message, Assert.Throws<InvalidDataException>(() => Optimizer.FromJson(json)).Message);
}
