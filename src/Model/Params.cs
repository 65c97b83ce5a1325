using System.Collections.Immutable;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>
/// An immutable, ordered collection of named tensors (PyTorch state-dict names such as <c>l1.weight</c>).
/// The core never changes these tensors in place: every update builds a new <see cref="Params"/>.
/// The owner of a Params disposes it once it is replaced (<see cref="Dispose"/> frees every tensor).
/// </summary>
public sealed class Params : IDisposable
{
    /// <summary>Creates a Params from names and tensors of equal count; names must be distinct.</summary>
    public Params(IEnumerable<string> names, IEnumerable<Tensor> values)
    {
        Names = [.. names];
        Values = [.. values];
        if (Names.Length != Values.Length)
            throw new ArgumentException($"{Names.Length} names but {Values.Length} tensors");
        if (Names.Distinct().Count() != Names.Length)
            throw new ArgumentException($"duplicate parameter names in [{string.Join(", ", Names)}]");
    }

    // The hot path (Map/Zip run several times per training step): names that come from an existing Params were
    // validated when it was built, so they are shared as they are (no copy, no distinctness check), and the values
    // array is freshly built by the caller and handed over without a copy. Sharing the names array also makes
    // RequireSameNames a reference comparison between Params of one lineage.
    private Params(ImmutableArray<string> names, Tensor[] values)
    {
        Names = names;
        Values = ImmutableCollectionsMarshal.AsImmutableArray(values);
    }

    /// <summary>
    /// Creates a Params from names and tensors of equal count (names distinct), taking the tensors over: the new Params
    /// owns them. The same as the constructor; a factory reads better from languages that want <c>new</c> for a
    /// disposable (F#: <c>Params.Of([ "w"; "b" ], [ w; b ])</c>, no FS0760 warning).
    /// </summary>
    public static Params Of(IEnumerable<string> names, IEnumerable<Tensor> values) => new(names, values);

    /// <summary>A Params with no tensors (e.g. the state of a stateless optimizer).</summary>
    public static Params Empty { get; } = new([], []);

    /// <summary>Parameter names, in order.</summary>
    public ImmutableArray<string> Names { get; }
    /// <summary>Tensors, in the order of <see cref="Names"/>.</summary>
    public ImmutableArray<Tensor> Values { get; }
    /// <summary>Number of tensors.</summary>
    public int Count => Names.Length;

    /// <summary>The tensor named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> if absent.</summary>
    public Tensor this[string name]
    {
        get
        {
            var i = Names.IndexOf(name);
            return i >= 0 ? Values[i] : throw new KeyNotFoundException($"no parameter '{name}' (have: {string.Join(", ", Names)})");
        }
    }

    /// <summary>The weight of <paramref name="layer"/> (its <see cref="LayerSpec.WeightName"/>); throws <see cref="KeyNotFoundException"/> if absent.</summary>
    public Tensor Weight(LayerSpec layer) => this[layer.WeightName];

    /// <summary>The bias of <paramref name="layer"/> (its <see cref="LayerSpec.BiasName"/>); throws <see cref="KeyNotFoundException"/> if absent.</summary>
    public Tensor Bias(LayerSpec layer) => this[layer.BiasName];

    /// <summary>(name, tensor) pairs in order.</summary>
    public IEnumerable<(string Name, Tensor Value)> Items => Names.Zip(Values);

    /// <summary>A new Params with <paramref name="f"/> applied to each tensor, names kept.</summary>
    public Params Map(Func<Tensor, Tensor> f)
    {
        var values = new Tensor[Count];
        for (var i = 0; i < values.Length; i++) values[i] = f(Values[i]);
        return new(Names, values);
    }

    /// <summary>A new Params combining this and <paramref name="other"/> tensor by tensor (same names required).</summary>
    public Params Zip(Params other, Func<Tensor, Tensor, Tensor> f)
    {
        RequireSameNames(other);
        var values = new Tensor[Count];
        for (var i = 0; i < values.Length; i++) values[i] = f(Values[i], other.Values[i]);
        return new(Names, values);
    }

    /// <summary>A new Params combining three Params tensor by tensor (same names required).</summary>
    public Params Zip(Params b, Params c, Func<Tensor, Tensor, Tensor, Tensor> f)
    {
        RequireSameNames(b);
        RequireSameNames(c);
        var values = new Tensor[Count];
        for (var i = 0; i < values.Length; i++) values[i] = f(Values[i], b.Values[i], c.Values[i]);
        return new(Names, values);
    }

    /// <summary>A deep copy: new tensors with the same values, detached from autograd.</summary>
    public Params Clone() => Map(t => t.detach().clone());

    /// <summary>A deep copy in float64: new tensors (detached, same names and shapes) whatever the dtype here.</summary>
    public Params ToFloat64() => Map(t =>
    {
        using var detached = t.detach();
        return detached.to(ScalarType.Float64, copy: true);
    });

    /// <summary>
    /// Every element as one flat float64 vector θ: the tensors in <see cref="Names"/> order, each row-major, converted
    /// exactly (every float32 is a double). <see cref="Unflatten"/> is its inverse. The view of a model as a function of
    /// one parameter vector, as finite differences want it.
    /// </summary>
    public double[] Flatten()
    {
        using var scope = NewDisposeScope(); // the conversions' temporaries
        var theta = new double[ElementCount];
        var offset = 0;
        foreach (var t in Values)
        {
            var flat = t.detach().to(ScalarType.Float64).cpu().reshape(-1);
            flat.data<double>().CopyTo(theta, offset);
            offset += (int)flat.numel();
        }
        return theta;
    }

    /// <summary>
    /// A new Params with this one's names, shapes and dtypes holding the values of <paramref name="theta"/>, read in
    /// <see cref="Flatten"/>'s order (rounded to the dtype, e.g. to float32). Its length must be <see cref="ElementCount"/>.
    /// </summary>
    public Params Unflatten(IReadOnlyList<double> theta)
    {
        if (theta.Count != ElementCount)
            throw new ArgumentException($"{theta.Count} values for {ElementCount} parameter elements ({string.Join(", ", Describe())})");
        var offset = 0;
        return Map(t =>
        {
            var n = (int)t.numel();
            var part = new double[n];
            for (var i = 0; i < n; i++) part[i] = theta[offset + i];
            offset += n;
            if (t.dtype == ScalarType.Float64) return tensor(part, t.shape, ScalarType.Float64);
            using var wide = tensor(part, t.shape, ScalarType.Float64);
            return wide.to(t.dtype);
        });
    }

    /// <summary>
    /// Exact value equality: the same names in the same order and, tensor by tensor, the same dtype, shape and values
    /// (<c>torch.equal</c>). Params are otherwise compared by reference, as tensors are.
    /// </summary>
    public bool ValueEquals(Params other) =>
        SameLayout(other) && Values.Zip(other.Values).All(p => p.First.dtype == p.Second.dtype && p.First.Equals(p.Second));

    /// <summary>
    /// <c>torch.allclose</c> tensor by tensor: the same names in the same order, the same shapes, and every element
    /// |this − other| ≤ <paramref name="atol"/> + <paramref name="rtol"/>·|other| (torch's defaults; NaN is never close).
    /// Different float dtypes compare by value.
    /// </summary>
    public bool AllClose(Params other, double rtol = 1e-5, double atol = 1e-8) =>
        SameLayout(other) && Values.Zip(other.Values).All(p =>
        {
            using var scope = NewDisposeScope(); // the conversions' temporaries
            return p.First.detach().to(ScalarType.Float64).allclose(p.Second.detach().to(ScalarType.Float64), rtol, atol);
        });

    private bool SameLayout(Params other) =>
        Names.AsSpan().SequenceEqual(other.Names.AsSpan()) && Values.Zip(other.Values).All(p => p.First.shape.SequenceEqual(p.Second.shape));

    /// <summary>Moves every tensor out of any DisposeScope, so this Params lives until disposed by its owner. Returns this.</summary>
    public Params DetachFromDisposeScope()
    {
        foreach (var t in Values) t.DetachFromDisposeScope();
        return this;
    }

    /// <summary>Shapes by name, e.g. <c>l1.weight [2, 2]</c>, one per line.</summary>
    public IEnumerable<string> Describe() => Items.Select(p => $"{p.Name} [{string.Join(", ", p.Value.shape)}]");

    /// <summary>Total number of scalar parameters.</summary>
    public long ElementCount => Values.Sum(v => v.numel());

    /// <summary>Frees every tensor. Tensors shared with another live Params must not be disposed twice: the core never shares them.</summary>
    public void Dispose()
    {
        foreach (var t in Values) t.Dispose();
    }

    private void RequireSameNames(Params other)
    {
        // ImmutableArray's == compares the underlying arrays: Params derived from one another share theirs.
        if (Names != other.Names && !Names.AsSpan().SequenceEqual(other.Names.AsSpan()))
            throw new ArgumentException($"parameter names differ: [{string.Join(", ", Names)}] vs [{string.Join(", ", other.Names)}]");
    }
}
