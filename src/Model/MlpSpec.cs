using System.Collections.Immutable;

namespace Functional.Model;

/// <summary>
/// The shape of a multi-layer perceptron: Linear layers of sizes Inputs → Hidden… → Outputs, with
/// <see cref="HiddenActivation"/> after every hidden layer and <see cref="Head"/> after the last.
/// Configuration only, no parameters (those live in <see cref="Params"/>). Compares by value.
/// </summary>
public sealed record MlpSpec
{
    /// <summary>Creates a spec; every size must be positive (an empty <paramref name="hidden"/> gives a single Linear layer).</summary>
    public MlpSpec(int inputs, IEnumerable<int> hidden, int outputs, Activation hiddenActivation, Activation head)
    {
        Hidden = [.. hidden];
        if (inputs <= 0) throw new ArgumentException($"inputs must be positive, got {inputs}");
        if (outputs <= 0) throw new ArgumentException($"outputs must be positive, got {outputs}");
        if (Hidden.Any(h => h <= 0)) throw new ArgumentException($"hidden sizes must be positive, got [{string.Join(", ", Hidden)}]");
        Inputs = inputs;
        Outputs = outputs;
        HiddenActivation = hiddenActivation;
        Head = head;
    }

    /// <summary>Number of input features.</summary>
    public int Inputs { get; init; }
    /// <summary>Hidden layer widths, first to last; empty for a single linear layer.</summary>
    public ImmutableArray<int> Hidden { get; init; }
    /// <summary>Number of outputs of the last layer.</summary>
    public int Outputs { get; init; }
    /// <summary>Applied after every hidden layer.</summary>
    public Activation HiddenActivation { get; init; }
    /// <summary>Applied after the last layer (Identity for raw outputs).</summary>
    public Activation Head { get; init; }
    /// <summary>Drop the trailing size-1 output dimension ([batch, 1] → [batch]), as tutorials' <c>.squeeze()</c> does.</summary>
    public bool SqueezeOutput { get; init; }
    /// <summary>
    /// Module names of the Linear layers, used as state-dict prefixes (<c>l1.weight</c>). Empty means <c>l1</c>, <c>l2</c>, …;
    /// see <see cref="WithSequentialNames"/> for <c>nn.Sequential</c> numbering.
    /// </summary>
    public ImmutableArray<string> LayerNames { get; init; } = [];

    /// <summary>Number of Linear layers (hidden layers + 1).</summary>
    public int LayerCount => Hidden.Length + 1;

    /// <summary>
    /// The Linear layers from the input side: index, module name, (in, out) sizes and the activation after each
    /// (<see cref="HiddenActivation"/>, or <see cref="Head"/> after the last). Forward passes, the init, ensembles and
    /// checkpoints all walk the network through this list.
    /// </summary>
    public ImmutableArray<LayerSpec> Layers
    {
        get
        {
            var sizes = Sizes();
            var layers = ImmutableArray.CreateBuilder<LayerSpec>(LayerCount);
            for (var i = 0; i < LayerCount; i++)
                layers.Add(new LayerSpec(i, LayerName(i), sizes[i], sizes[i + 1], i < LayerCount - 1 ? HiddenActivation : Head));
            return layers.MoveToImmutable();
        }
    }

    /// <summary>All layer boundaries: Inputs, Hidden…, Outputs.</summary>
    public ImmutableArray<int> Sizes() => [Inputs, .. Hidden, Outputs];

    // The module name of layer i: the explicit LayerNames, or l1, l2, … (what an unnamed spec means).
    private string LayerName(int i) => LayerNames.IsDefaultOrEmpty ? $"l{i + 1}" : LayerNames[i];

    /// <summary>The same spec with layers named as in <c>nn.Sequential(Linear, act, Linear, …)</c>: 0, 2, 4, …</summary>
    public MlpSpec WithSequentialNames() => this with { LayerNames = [.. Enumerable.Range(0, LayerCount).Select(i => (2 * i).ToString())] };

    /// <summary>
    /// A copy with the given fields replaced and the rest kept, validated like the constructor (C#'s <c>with</c> skips
    /// that check). Named arguments make it the <c>with</c> copy of languages that cannot use C#'s, such as F#:
    /// <c>spec.With(hidden = [ 4 ])</c>. Changing the number of layers while keeping explicit <see cref="LayerNames"/>
    /// throws: give names for the new layers too.
    /// </summary>
    public MlpSpec With(int? inputs = null, IEnumerable<int>? hidden = null, int? outputs = null, Activation? hiddenActivation = null,
        Activation? head = null, bool? squeezeOutput = null, IEnumerable<string>? layerNames = null)
    {
        var spec = new MlpSpec(inputs ?? Inputs, hidden ?? Hidden, outputs ?? Outputs, hiddenActivation ?? HiddenActivation, head ?? Head)
        {
            SqueezeOutput = squeezeOutput ?? SqueezeOutput,
            LayerNames = layerNames is null ? LayerNames : [.. layerNames],
        };
        if (!spec.LayerNames.IsDefaultOrEmpty && spec.LayerNames.Length != spec.LayerCount)
            throw new ArgumentException($"{spec.LayerNames.Length} layer names for {spec.LayerCount} layers");
        return spec;
    }

    /// <summary>The state-dict names of the parameters in PyTorch's order: each layer's weight, then its bias.</summary>
    public ImmutableArray<string> ParamNames() => [.. Layers.SelectMany(l => l.ParamShapes).Select(p => p.Name)];

    /// <summary>A one-line description, e.g. <c>2-2-1 relu/identity</c>.</summary>
    public override string ToString() => $"{string.Join("-", Sizes())} {HiddenActivation.Name}/{Head.Name}";

    /// <inheritdoc/>
    public bool Equals(MlpSpec? other) =>
        other is not null && Inputs == other.Inputs && Outputs == other.Outputs && Hidden.SequenceEqual(other.Hidden)
        && HiddenActivation == other.HiddenActivation && Head == other.Head && SqueezeOutput == other.SqueezeOutput
        && LayerNamesOrDefault().SequenceEqual(other.LayerNamesOrDefault());

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Inputs); h.Add(Outputs); h.Add(HiddenActivation); h.Add(Head); h.Add(SqueezeOutput);
        foreach (var w in Hidden) h.Add(w);
        return h.ToHashCode();
    }

    private IEnumerable<string> LayerNamesOrDefault() => Enumerable.Range(0, LayerCount).Select(LayerName);
}
