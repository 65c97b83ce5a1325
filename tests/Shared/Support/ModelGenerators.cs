using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Functional.Model;

namespace Functional.Tests.Shared;

// Generated cases are small records of shapes, choices and hyper-parameters plus a Seed from which the tensor contents
// are drawn (see Draws). Every Arbitrary has a shrinker, so a failure is reported at the smallest case FsCheck finds:
// batch 1, width 1, fewer layers, default hyper-parameters, seed 0. No unbounded doubles anywhere (no NaN/∞).
// These are the cases of src/Model (linked into tests/Model and tests/Properties); the optimizer and data cases are
// tests/Properties' own (Support/Generators.cs), built from the same helpers.

/// <summary>A [Rows × Cols] float64 matrix drawn from Seed (e.g. a batch of activations or logits).</summary>
public sealed record Matrix(int Rows, int Cols, int Seed)
{
    public long[] Shape => [Rows, Cols];
    public override string ToString() => $"Matrix [{Rows}x{Cols}] seed {Seed}";
}

/// <summary>A Linear layer case: x [Batch, In], W [Out, In], b [Out], drawn from Seed.</summary>
public sealed record LinearCase(int Batch, int In, int Out, int Seed)
{
    public override string ToString() => $"Linear batch {Batch}, {In} -> {Out}, seed {Seed}";
}

/// <summary>An Elu alpha in [0.05, 3].</summary>
public sealed record EluAlpha(double Value)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"alpha {Value}");
}

/// <summary>A whole network and loss: a spec whose head suits the loss, a batch size, and the Seed for params and data.</summary>
public sealed record NetCase(MlpSpec Spec, Loss Loss, int Batch, int Seed)
{
    public override string ToString() =>
        $"{Describe(Spec)}, loss {Loss.Name}, batch {Batch}, seed {Seed}";

    public static string Describe(MlpSpec s) =>
        $"{string.Join("-", s.Sizes())} {Name(s.HiddenActivation)}/{Name(s.Head)}{(s.SqueezeOutput ? " squeezed" : "")}";

    private static string Name(Activation a) =>
        a is Activation.Elu e ? string.Create(CultureInfo.InvariantCulture, $"elu({e.Alpha})") : a.Name;
}

/// <summary>The Arbitraries of the model's cases (registered assembly-wide by <see cref="PropertyDefaultsAttribute"/>), and the shrink helpers every generator uses.</summary>
public static class ModelArbitraries
{
    private const int MaxSeed = 100_000;

    public static Arbitrary<Matrix> Matrix() => Arb.From(
        from r in Gen.Choose(1, 5) from c in Gen.Choose(1, 5) from s in Seeds select new Matrix(r, c, s),
        m => Shrink(m,
            Ints(m.Rows, 1).Select(r => m with { Rows = r }),
            Ints(m.Cols, 1).Select(c => m with { Cols = c }),
            Ints(m.Seed, 0).Select(s => m with { Seed = s })));

    public static Arbitrary<LinearCase> LinearCase() => Arb.From(
        from b in Gen.Choose(1, 5) from i in Gen.Choose(1, 5) from o in Gen.Choose(1, 5) from s in Seeds
        select new LinearCase(b, i, o, s),
        c => Shrink(c,
            Ints(c.Batch, 1).Select(b => c with { Batch = b }),
            Ints(c.In, 1).Select(i => c with { In = i }),
            Ints(c.Out, 1).Select(o => c with { Out = o }),
            Ints(c.Seed, 0).Select(s => c with { Seed = s })));

    public static Arbitrary<EluAlpha> EluAlpha() => Arb.From(
        Gen.Choose(5, 300).Select(i => new EluAlpha(i / 100.0)),
        a => Doubles(a.Value, 1.0, 0.05, 3).Select(v => new EluAlpha(v)));

    // ------------------------------------------------------------------ networks

    private static Gen<Activation> Alpha => Gen.Choose(5, 300).Select(i => (Activation)new Activation.Elu(i / 100.0));

    private static Gen<Activation> HiddenActivations => Gen.OneOf(
        Gen.Constant<Activation>(new Activation.Relu()), Gen.Constant<Activation>(new Activation.Sigmoid()),
        Gen.Constant<Activation>(new Activation.Tanh()), Gen.Constant<Activation>(new Activation.Identity()), Alpha);

    /// <summary>A loss with a head that suits it: Mse after any element-wise head, Bce after Sigmoid, CrossEntropy on raw logits, Nll after LogSoftmax.</summary>
    private static Gen<(Loss, Activation)> LossAndHead => Gen.OneOf(
        HiddenActivations.Select(h => ((Loss)new Loss.Mse(), h)),
        Gen.Constant(((Loss)new Loss.Bce(), (Activation)new Activation.Sigmoid())),
        Gen.Constant(((Loss)new Loss.CrossEntropy(), (Activation)new Activation.Identity())),
        Gen.Constant(((Loss)new Loss.Nll(), (Activation)new Activation.LogSoftmax())));

    internal static Gen<NetCase> Nets =>
        from inputs in Gen.Choose(1, 4)
        from depth in Gen.Choose(0, 3)
        from hidden in Gen.ArrayOf(Gen.Choose(1, 5), depth)
        from outputs in Gen.Choose(1, 4)
        from act in HiddenActivations
        from lossHead in LossAndHead
        from squeeze in Gen.Elements(false, true)
        from batch in Gen.Choose(1, 6)
        from seed in Seeds
        let canSqueeze = outputs == 1 && lossHead.Item1 is Loss.Mse or Loss.Bce
        select new NetCase(
            new MlpSpec(inputs, hidden, outputs, act, lossHead.Item2) { SqueezeOutput = squeeze && canSqueeze },
            lossHead.Item1, batch, seed);

    internal static IEnumerable<NetCase> ShrinkNet(NetCase c)
    {
        var s = c.Spec;
        var hidden = s.Hidden.ToArray();
        var candidates = new List<NetCase>();
        for (var i = 0; i < hidden.Length; i++)
        {
            candidates.Add(c with { Spec = s with { Hidden = [.. hidden.Where((_, j) => j != i)] } });
            foreach (var w in Ints(hidden[i], 1))
                candidates.Add(c with { Spec = s with { Hidden = [.. hidden.Select((h, j) => j == i ? w : h)] } });
        }
        candidates.AddRange(Ints(s.Inputs, 1).Select(n => c with { Spec = s with { Inputs = n } }));
        candidates.AddRange(Ints(s.Outputs, 1).Select(n => c with { Spec = s with { Outputs = n, SqueezeOutput = s.SqueezeOutput && n == 1 } }));
        candidates.AddRange(Ints(c.Batch, 1).Select(b => c with { Batch = b }));
        candidates.AddRange(Ints(c.Seed, 0).Select(n => c with { Seed = n }));
        if (s.SqueezeOutput) candidates.Add(c with { Spec = s with { SqueezeOutput = false } });
        candidates.AddRange(SimplerActivations(s.HiddenActivation).Select(a => c with { Spec = s with { HiddenActivation = a } }));
        if (c.Loss is Loss.Mse)
            candidates.AddRange(SimplerActivations(s.Head).Select(a => c with { Spec = s with { Head = a } }));
        else
            candidates.Add(c with { Loss = new Loss.Mse(), Spec = s with { Head = new Activation.Identity() } });
        return Shrink(c, candidates);
    }

    private static IEnumerable<Activation> SimplerActivations(Activation a) => a switch
    {
        Activation.Identity => [],
        Activation.Elu e when e.Alpha != 1 => [new Activation.Identity(), new Activation.Elu(1)],
        _ => [new Activation.Identity()],
    };

    public static Arbitrary<NetCase> NetCase() => Arb.From(Nets, ShrinkNet);

    // ------------------------------------------------------------------ helpers

    /// <summary>The seed a case draws its tensors from (see <see cref="Draws"/>).</summary>
    internal static Gen<int> Seeds => Gen.Choose(0, MaxSeed);

    /// <summary>Smaller integers toward <paramref name="min"/>: min itself, the midpoint, one less.</summary>
    public static IEnumerable<int> Ints(int x, int min) =>
        x <= min ? [] : new[] { min, min + (x - min) / 2, x - 1 }.Where(v => v >= min && v < x).Distinct();

    /// <summary>Simpler doubles in [lo, hi]: the preferred value, then x rounded to 1 and 2 decimals.</summary>
    public static IEnumerable<double> Doubles(double x, double preferred, double lo, double hi) =>
        new[] { preferred, Math.Round(x, 1), Math.Round(x, 2) }.Where(v => v != x && v >= lo && v <= hi).Distinct();

    /// <summary>As <see cref="Doubles"/>, but nothing for 0 (an option that is off): turning it off is its own candidate, and 0 → preferred → 0 would cycle.</summary>
    public static IEnumerable<double> NonZeroDoubles(double x, double preferred, double lo, double hi) =>
        x == 0 ? [] : Doubles(x, preferred, lo, hi);

    /// <summary>All candidates of all shrink strategies, in order (earlier strategies are tried first), without the value itself.</summary>
    public static IEnumerable<T> Shrink<T>(T value, params IEnumerable<T>[] strategies) where T : notnull =>
        strategies.SelectMany(s => s).Where(c => !c.Equals(value));
}
