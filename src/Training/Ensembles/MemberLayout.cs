using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Ensembles;

/// <summary>
/// Members of different shapes in one ensemble: each member's spec (input width, hidden widths, hidden activation) is
/// zero-padded into an envelope spec holding the largest of each, so all members stack and train as one computation.
/// Padded inputs are zero, padded weights start at zero, and each hidden unit's output is multiplied by a 0/1 mask of the
/// member's activation and width: a padded unit outputs exactly 0, so its weights get exactly zero gradient and stay zero,
/// and member k computes what its own spec computes (up to the order of float sums). Members must share the number of
/// layers, the outputs, the head and the squeeze. Dispose frees the masks.
/// </summary>
public sealed class MemberLayout : IDisposable
{
    private readonly List<(Activation Activation, Tensor[] Masks)> _masks = [];

    /// <summary>Builds the layout of <paramref name="specs"/> (one per member, in member order).</summary>
    public MemberLayout(IReadOnlyList<MlpSpec> specs)
    {
        if (specs.Count == 0) throw new ArgumentException("an ensemble needs at least one member");
        var first = specs[0];
        if (specs.Any(s => s.LayerCount != first.LayerCount || s.Outputs != first.Outputs || s.Head != first.Head || s.SqueezeOutput != first.SqueezeOutput))
            throw new ArgumentException("ensemble members must share the number of layers, the outputs, the head and the squeeze");
        Specs = specs;
        var hidden = Enumerable.Range(0, first.Hidden.Length).Select(l => specs.Max(s => s.Hidden[l])).ToArray();
        Envelope = new MlpSpec(specs.Max(s => s.Inputs), hidden, first.Outputs, first.HiddenActivation, first.Head)
        {
            SqueezeOutput = first.SqueezeOutput,
            LayerNames = first.LayerNames,
        };
        if (specs.All(s => s.Equals(Envelope))) return; // one spec: no masks, plain stacked forward
        foreach (var activation in specs.Select(s => s.HiddenActivation).Distinct())
        {
            var masks = new Tensor[hidden.Length];
            for (var l = 0; l < hidden.Length; l++)
            {
                var m = new float[specs.Count, hidden[l]];
                for (var k = 0; k < specs.Count; k++)
                    if (specs[k].HiddenActivation == activation)
                        for (var j = 0; j < specs[k].Hidden[l]; j++) m[k, j] = 1;
                using var flat = tensor(m);
                using var column = flat.unsqueeze(1);
                masks[l] = column.contiguous(); // [K, 1, H]: broadcast over the batch
            }
            _masks.Add((activation, masks));
        }
    }

    /// <summary>The members' own specs, in member order.</summary>
    public IReadOnlyList<MlpSpec> Specs { get; }

    /// <summary>The spec every member is padded into: the widest inputs and hidden layers (its activation is the first member's).</summary>
    public MlpSpec Envelope { get; }

    /// <summary>Whether members differ in shape or activation (and so need padding and masks).</summary>
    public bool IsPadded => _masks.Count > 0;

    /// <summary>Member <paramref name="k"/>'s params zero-padded to the envelope's shapes (new tensors).</summary>
    public Params Pad(Params member, int k)
    {
        var values = new List<Tensor>();
        foreach (var (own, envelope) in Specs[k].Layers.Zip(Envelope.Layers))
        {
            values.Add(PadTo(member.Weight(own), envelope.WeightShape));
            values.Add(PadTo(member.Bias(own), envelope.BiasShape));
        }
        return new Params(Specs[k].ParamNames(), values);
    }

    /// <summary>Member <paramref name="k"/>'s own params cut out of stacked envelope params (new tensors).</summary>
    public Params Unpad(Params stacked, int k)
    {
        var values = new List<Tensor>();
        foreach (var (own, envelope) in Specs[k].Layers.Zip(Envelope.Layers))
        {
            values.Add(CutOut(stacked.Weight(envelope), k, own.WeightShape));
            values.Add(CutOut(stacked.Bias(envelope), k, own.BiasShape));
        }
        return new Params(Envelope.ParamNames(), values);
    }

    // A zero tensor of `shape` whose leading corner holds t (t's shape fits inside `shape` dimension by dimension).
    private static Tensor PadTo(Tensor t, long[] shape)
    {
        var padded = zeros(shape, dtype: t.dtype);
        using var corner = Corner(padded, t.shape);
        corner.copy_(t);
        return padded;
    }

    // Member k's slice of a stacked tensor, cut to the member's own shape and copied.
    private static Tensor CutOut(Tensor stacked, int k, long[] shape)
    {
        using var row = stacked[k];
        using var corner = Corner(row, shape);
        return corner.clone();
    }

    // The view t[:shape[0], :shape[1], …].
    private static Tensor Corner(Tensor t, long[] shape)
    {
        var view = t.alias();
        for (var d = 0; d < shape.Length; d++)
        {
            using var wider = view;
            view = wider.narrow(d, 0, shape[d]);
        }
        return view;
    }

    /// <summary>Inputs [.., n] zero-padded to the envelope's input width (an alias when already that wide).</summary>
    public Tensor PadInputs(Tensor x) =>
        x.shape[^1] == Envelope.Inputs ? x.alias() : nn.functional.pad(x, [0, Envelope.Inputs - x.shape[^1]]);

    /// <summary>
    /// The stacked forward pass over inputs [K, B, in]: each layer as one batched <c>baddbmm</c>; hidden outputs masked
    /// per member when <see cref="IsPadded"/>. Output [K, B, out] (or [K, B] when squeezed).
    /// </summary>
    public Tensor Forward(Params stacked, Tensor x)
    {
        var h = x;
        foreach (var layer in Envelope.Layers)
        {
            // TorchSharp's Tensor.baddbmm(batch2, mat) treats `this` as batch1 and `mat` as the added input:
            // this is b + h·wᵀ per member (PyTorch's torch.baddbmm(b, h, wᵀ)).
            var z = h.baddbmm(stacked.Weight(layer).transpose(1, 2), stacked.Bias(layer).unsqueeze(1));
            if (layer.Index == Envelope.LayerCount - 1 || !IsPadded)
                h = layer.Activation.Apply(z);
            else
            {
                Tensor? sum = null;
                foreach (var (activation, masks) in _masks)
                {
                    var part = activation.Apply(z).mul(masks[layer.Index]);
                    sum = sum is null ? part : sum.add(part, Scalars.One);
                }
                h = sum!;
            }
        }
        return Envelope.SqueezeOutput ? h.squeeze(-1) : h;
    }

    /// <summary>Frees the masks.</summary>
    public void Dispose()
    {
        foreach (var (_, masks) in _masks)
            foreach (var m in masks) m.Dispose();
    }
}
