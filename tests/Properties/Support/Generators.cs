using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Functional.Model;
using Functional.Training.Data;
using Functional.Training.Optimizers;

namespace Functional.Properties.Support;

// Generated cases are small records of shapes, choices and hyper-parameters plus a Seed from which the tensor contents
// are drawn (see Draws). Every Arbitrary here has a shrinker, so a failure is reported at the smallest case FsCheck finds:
// batch 1, width 1, fewer layers, default hyper-parameters, seed 0. No unbounded doubles anywhere (no NaN/∞).

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

/// <summary>SGD against torch.optim.SGD: hyper-parameters, number of steps, param shapes w [Rows, Cols] and b [Rows], gradient scale.</summary>
public sealed record SgdCase(Sgd Sgd, int Steps, int Rows, int Cols, double GradScale, int Seed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Sgd}, {Steps} steps, w [{Rows}x{Cols}], grads x{GradScale}, seed {Seed}");
}

/// <summary>Adam against torch.optim.Adam: hyper-parameters, number of steps, param shapes, gradient scale.</summary>
public sealed record AdamCase(Adam Adam, int Steps, int Rows, int Cols, double GradScale, int Seed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Adam}, {Steps} steps, w [{Rows}x{Cols}], grads x{GradScale}, seed {Seed}");
}

/// <summary>A training step case: a network and loss with an optimizer.</summary>
public sealed record StepCase(NetCase Net, Optimizer Optimizer)
{
    public override string ToString() => $"{Net}, {Optimizer}";
}

/// <summary>An epoch of Samples samples cut into batches of BatchSize (shuffles drawn from Seed).</summary>
public sealed record EpochCase(int Samples, int BatchSize, int Seed);

/// <summary>A train/test split of Samples samples at TrainFraction (random splits drawn from Seed).</summary>
public sealed record SplitCase(int Samples, double TrainFraction, SplitMode Mode, int Seed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Samples} samples at {TrainFraction}, {Mode}, seed {Seed}");
}

/// <summary>The Arbitraries every property uses (registered assembly-wide by <see cref="PropertyDefaultsAttribute"/>).</summary>
public static class Arbitraries
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

    private static Gen<NetCase> Nets =>
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

    private static IEnumerable<NetCase> ShrinkNet(NetCase c)
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

    // ------------------------------------------------------------------ optimizers

    private static Gen<Sgd> Sgds =>
        from lr in Gen.Choose(1, 500)
        from momentum in Gen.OneOf(Gen.Constant(0), Gen.Choose(1, 99))
        from nesterov in Gen.Elements(false, true)
        from dampening in Gen.OneOf(Gen.Constant(0), Gen.Choose(1, 99))
        from wd in Gen.OneOf(Gen.Constant(0), Gen.Choose(1, 100))
        let n = nesterov && momentum > 0 // Nesterov needs a momentum and no dampening
        select new Sgd(lr / 1000.0, momentum / 100.0, n ? 0 : dampening / 100.0, n, wd / 1000.0);

    private static IEnumerable<Sgd> ShrinkSgd(Sgd o) => Valid(new Func<Sgd>[]
    {
        () => o.With(momentum: 0, nesterov: false, dampening: 0),
        () => o.With(nesterov: false),
        () => o.With(dampening: 0),
        () => o.With(weightDecay: 0),
        () => o.With(lr: 0.1),
    }.Concat(NonZeroDoubles(o.Momentum, 0.9, 0.01, 0.99).Select(m => (Func<Sgd>)(() => o.With(momentum: m))))
     .Concat(Doubles(Lr(o.Lr), 0.1, 0.001, 0.5).Select(lr => (Func<Sgd>)(() => o.With(lr: lr))))
     .Concat(NonZeroDoubles(o.Dampening, 0.5, 0.01, 0.99).Select(d => (Func<Sgd>)(() => o.With(dampening: d))))
     .Concat(NonZeroDoubles(o.WeightDecay, 0.01, 0.001, 0.1).Select(wd => (Func<Sgd>)(() => o.With(weightDecay: wd)))))
     .Where(x => x != o);

    private static Gen<Adam> Adams =>
        from lr in Gen.Choose(1, 100)
        from beta1 in Gen.OneOf(Gen.Constant(90), Gen.Choose(0, 99))
        from beta2 in Gen.OneOf(Gen.Elements(0.9, 0.99, 0.999, 0.9999), Gen.Choose(500, 999).Select(i => i / 1000.0))
        from eps in Gen.Elements(1e-8, 1e-6, 1e-4, 1e-3, 1e-1)
        from wd in Gen.OneOf(Gen.Constant(0), Gen.Choose(1, 100))
        from amsgrad in Gen.Elements(false, true)
        select new Adam(lr / 1000.0, beta1 / 100.0, beta2, eps, wd / 1000.0, amsgrad);

    private static IEnumerable<Adam> ShrinkAdam(Adam o) => Valid(new Func<Adam>[]
    {
        () => o.With(amsgrad: false), () => o.With(weightDecay: 0), () => o.With(eps: 1e-8),
        () => o.With(beta1: 0.9), () => o.With(beta2: 0.999), () => o.With(lr: 0.01),
    }.Concat(Doubles(Lr(o.Lr), 0.01, 0.001, 0.1).Select(lr => (Func<Adam>)(() => o.With(lr: lr))))
     .Concat(Doubles(o.Beta1, 0.9, 0, 0.99).Select(b => (Func<Adam>)(() => o.With(beta1: b))))
     .Concat(Doubles(o.Beta2, 0.999, 0.5, 0.9999).Select(b => (Func<Adam>)(() => o.With(beta2: b))))
     .Concat(NonZeroDoubles(o.WeightDecay, 0.01, 0.001, 0.1).Select(wd => (Func<Adam>)(() => o.With(weightDecay: wd)))))
     .Where(x => x != o);

    public static Arbitrary<SgdCase> SgdCase() => Arb.From(
        from o in Sgds from steps in Gen.Choose(20, 30) from r in Gen.Choose(1, 4) from c in Gen.Choose(1, 4)
        from scale in GradScales from s in Seeds
        select new SgdCase(o, steps, r, c, scale, s),
        c => Shrink(c,
            ShrinkSgd(c.Sgd).Select(o => c with { Sgd = o }),
            Ints(c.Steps, 20).Select(n => c with { Steps = n }),
            Ints(c.Rows, 1).Select(n => c with { Rows = n }),
            Ints(c.Cols, 1).Select(n => c with { Cols = n }),
            GradScale(c.GradScale).Select(g => c with { GradScale = g }),
            Ints(c.Seed, 0).Select(n => c with { Seed = n })));

    public static Arbitrary<AdamCase> AdamCase() => Arb.From(
        from o in Adams from steps in Gen.Choose(20, 30) from r in Gen.Choose(1, 4) from c in Gen.Choose(1, 4)
        from scale in GradScales from s in Seeds
        select new AdamCase(o, steps, r, c, scale, s),
        c => Shrink(c,
            ShrinkAdam(c.Adam).Select(o => c with { Adam = o }),
            Ints(c.Steps, 20).Select(n => c with { Steps = n }),
            Ints(c.Rows, 1).Select(n => c with { Rows = n }),
            Ints(c.Cols, 1).Select(n => c with { Cols = n }),
            GradScale(c.GradScale).Select(g => c with { GradScale = g }),
            Ints(c.Seed, 0).Select(n => c with { Seed = n })));

    public static Arbitrary<StepCase> StepCase() => Arb.From(
        from net in Nets from o in Gen.OneOf(Sgds.Select(s => (Optimizer)s), Adams.Select(a => (Optimizer)a))
        select new StepCase(net, o),
        c => Shrink(c,
            ShrinkNet(c.Net).Select(n => c with { Net = n }),
            c.Optimizer switch
            {
                Sgd s => ShrinkSgd(s).Select(o => c with { Optimizer = o }),
                Adam a => ShrinkAdam(a).Select(o => c with { Optimizer = o }).Prepend(c with { Optimizer = new Sgd(0.1) }),
                _ => [],
            }));

    // ------------------------------------------------------------------ data

    public static Arbitrary<EpochCase> EpochCase() => Arb.From(
        from n in Gen.Choose(1, 60) from b in Gen.Choose(1, 70) from s in Seeds select new EpochCase(n, b, s),
        c => Shrink(c,
            Ints(c.Samples, 1).Select(n => c with { Samples = n }),
            Ints(c.BatchSize, 1).Select(b => c with { BatchSize = b }),
            Ints(c.Seed, 0).Select(s => c with { Seed = s })));

    public static Arbitrary<SplitCase> SplitCase() => Arb.From(
        from n in Gen.Choose(1, 80) from f in Gen.Choose(1, 99) from m in Gen.Elements(SplitMode.Sequential, SplitMode.Random)
        from s in Seeds
        select new SplitCase(n, f / 100.0, m, s),
        c => Shrink(c,
            Ints(c.Samples, 1).Select(n => c with { Samples = n }),
            Doubles(c.TrainFraction, 0.5, 0.01, 0.99).Select(f => c with { TrainFraction = f }),
            c.Mode == SplitMode.Random ? [c with { Mode = SplitMode.Sequential }] : [],
            Ints(c.Seed, 0).Select(s => c with { Seed = s })));

    // ------------------------------------------------------------------ helpers

    private static Gen<int> Seeds => Gen.Choose(0, MaxSeed);

    private static Gen<double> GradScales => Gen.Elements(1e-3, 0.1, 1.0, 10.0);

    private static IEnumerable<double> GradScale(double g) => g == 1.0 ? [] : [1.0];

    /// <summary>The candidates that build: an invalid optimizer cannot exist, so a shrink step that would make one throws and is skipped.</summary>
    private static IEnumerable<T> Valid<T>(IEnumerable<Func<T>> candidates) where T : class
    {
        foreach (var make in candidates)
        {
            T? built;
            try { built = make(); }
            catch (ArgumentException) { built = null; }
            if (built is not null) yield return built;
        }
    }

    /// <summary>The scalar rate of a generated optimizer (the generators make no per-member rates).</summary>
    public static double Lr(LearningRate lr) => lr.Scalar ?? throw new ArgumentException("a per-member learning rate");

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
    private static IEnumerable<T> Shrink<T>(T value, params IEnumerable<T>[] strategies) where T : notnull =>
        strategies.SelectMany(s => s).Where(c => !c.Equals(value));
}
