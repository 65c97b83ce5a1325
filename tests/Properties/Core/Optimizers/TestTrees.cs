using Functional.Model;
using Functional.Properties.Support;
using static TorchSharp.torch;

namespace Functional.Properties.Core.Optimizers;

/// <summary>Small float32 trees for the transform tests: w [3, 2] and b [3], standard normal values from a <see cref="Draws"/>.</summary>
public static class TestTrees
{
    /// <summary>A fresh tree w [3, 2], b [3] (in the caller's DisposeScope).</summary>
    public static Params Draw(Draws d) => new(["w", "b"], [d.Normal([3, 2]).to(ScalarType.Float32), d.Normal([3]).to(ScalarType.Float32)]);

    /// <summary>The tree's tensors by checkpoint name <c>{name}.{param}</c>, as clones (a Restore takes them over).</summary>
    public static Dictionary<string, Tensor> Named(string name, Params tree) =>
        tree.Items.ToDictionary(i => $"{name}.{i.Name}", i => i.Value.clone());
}
