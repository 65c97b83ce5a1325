using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>How a spec's parameters are initialised. A closed set of immutable records.</summary>
public abstract record Init
{
    private Init() { }

    /// <summary>
    /// PyTorch's <c>nn.Linear</c> default: weight kaiming-uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in),
    /// then bias U(−1/√fan_in, 1/√fan_in), layer by layer, weight before bias.
    /// </summary>
    public sealed record Default : Init;

    /// <summary>
    /// Every parameter U(Low, High), drawn after the default initialisation's draws, exactly as constructing the
    /// module and then running <c>p.uniform_(Low, High)</c> over <c>model.parameters()</c> does in PyTorch.
    /// </summary>
    public sealed record Uniform(double Low, double High) : Init;

    /// <summary>Initialises the parameters of <paramref name="spec"/> from <paramref name="rng"/>, returning them and the advanced Rng.</summary>
    public static Drawn<Params> Initialize(MlpSpec spec, Rng rng, Init? init = null)
    {
        var names = spec.ParamNames();
        var tensors = new List<Tensor>();
        foreach (var layer in spec.Layers)
        {
            var bound = 1.0 / Math.Sqrt(layer.In);
            var w = rng.Uniform(layer.WeightShape, -bound, bound);
            var b = w.Rng.Uniform(layer.BiasShape, -bound, bound);
            tensors.Add(w.Value);
            tensors.Add(b.Value);
            rng = b.Rng;
        }
        if (init is Uniform u)
        {
            var redrawn = new List<Tensor>();
            foreach (var t in tensors)
            {
                var d = rng.Uniform(t.shape, u.Low, u.High);
                redrawn.Add(d.Value);
                rng = d.Rng;
                t.Dispose();
            }
            tensors = redrawn;
        }
        return new Drawn<Params>(new Params(names, tensors), rng);
    }

    /// <summary>The names <see cref="Parse"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["default", "uniform"];

    /// <summary>Parses <c>default</c> or <c>uniform</c> (U(−1, 1)); anything else throws <see cref="ArgumentException"/>.</summary>
    public static Init Parse(string name) => name.ToLowerInvariant() switch
    {
        "default" => new Default(),
        "uniform" => new Uniform(-1, 1),
        _ => throw new ArgumentException($"unknown init '{name}' (expected one of: {string.Join(", ", Names)})"),
    };
}
