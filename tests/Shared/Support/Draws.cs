using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Tests.Shared;

/// <summary>
/// Tensor contents for a generated case, drawn from <see cref="Rng.Seed"/> of the case's seed: the case (and the
/// counterexample FsCheck prints) names its shapes and a seed, and the tensors follow from them. A cursor over an
/// immutable Rng — mutable for convenience in test bodies only. Tensors land in the caller's DisposeScope.
/// </summary>
public sealed class Draws(int seed)
{
    private Rng _rng = Rng.Seed(seed);

    /// <summary>Standard normal float64 values times <paramref name="scale"/>.</summary>
    public Tensor Normal(long[] shape, double scale = 1.0) => Next(g => randn(shape, ScalarType.Float64, generator: g).mul(scale));

    /// <summary>Uniform float64 values in [low, high).</summary>
    public Tensor Uniform(long[] shape, double low, double high) => Next(g => empty(shape, ScalarType.Float64).uniform_(low, high, generator: g));

    /// <summary>Normal values pushed at least <paramref name="margin"/> away from 0 (keeps Relu/Elu off their kink).</summary>
    public Tensor AwayFromZero(long[] shape, double margin = 0.05)
    {
        var x = Normal(shape);
        return x.add(x.sign().mul(margin)).where(x.ne(0), margin);
    }

    /// <summary>Class indices in [0, classes), int64, shape [batch].</summary>
    public Tensor Classes(long batch, long classes) => Next(g => randint(0, classes, [batch], ScalarType.Int64, generator: g));

    private Tensor Next(Func<Generator, Tensor> draw)
    {
        var (value, next) = _rng.Draw(draw);
        _rng = next;
        return value;
    }
}
