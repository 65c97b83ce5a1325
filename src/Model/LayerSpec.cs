namespace Functional.Model;

/// <summary>
/// One Linear layer of an <see cref="MlpSpec"/>, as <see cref="MlpSpec.Layers"/> lists them: its position, its
/// module name, its sizes and the activation after it. The one place that spells PyTorch's state-dict names of a
/// layer's parameters, <c>{Name}.weight</c> [Out, In] and <c>{Name}.bias</c> [Out] (read them from a
/// <see cref="Params"/> with <see cref="Params.Weight"/> and <see cref="Params.Bias"/>). Compares by value.
/// </summary>
/// <param name="Index">Position, 0-based from the input side.</param>
/// <param name="Name">Module name, the prefix of the state-dict names: <c>l1</c>, <c>fc2</c>, <c>0</c>, …</param>
/// <param name="In">Input features (the fan-in of the default init).</param>
/// <param name="Out">Output features.</param>
/// <param name="Activation">Applied to the layer's output: the spec's hidden activation, or its head after the last layer.</param>
public sealed record LayerSpec(int Index, string Name, int In, int Out, Activation Activation)
{
    /// <summary>The weight's state-dict name, <c>{Name}.weight</c>.</summary>
    public string WeightName => $"{Name}.weight";

    /// <summary>The bias's state-dict name, <c>{Name}.bias</c>.</summary>
    public string BiasName => $"{Name}.bias";

    /// <summary>The weight's shape, [Out, In] (<c>nn.Linear</c>'s layout: y = x·Wᵀ + b).</summary>
    public long[] WeightShape => [Out, In];

    /// <summary>The bias's shape, [Out].</summary>
    public long[] BiasShape => [Out];

    /// <summary>The layer's parameters in PyTorch's order, weight then bias: (state-dict name, shape).</summary>
    public IEnumerable<(string Name, long[] Shape)> ParamShapes => [(WeightName, WeightShape), (BiasName, BiasShape)];
}
