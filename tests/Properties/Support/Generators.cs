using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Functional.Model;
using Functional.Training.Data;
using Functional.Training.Optimizers;

using Functional.Properties.Support;
using static Functional.Tests.Shared.ModelArbitraries;

// Every [Property] in this assembly: at least 100 cases, the model's Arbitraries and these, FSCHECK_REPLAY/FSCHECK_MAXTEST honoured.
[assembly: PropertyDefaults(typeof(Arbitraries))]

namespace Functional.Properties.Support;

// The optimizer and data cases; the model's (Matrix, NetCase, …) and the shrink helpers are in tests/Shared/Support.

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

/// <summary>How an optimizer is run against torch.optim: steps, param shapes w [Rows, Cols] and b [Rows], gradient scale, seed.</summary>
public sealed record OracleRun(int Steps, int Rows, int Cols, double GradScale, int Seed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Steps} steps, w [{Rows}x{Cols}], grads x{GradScale}, seed {Seed}");
}

/// <summary>The values of one SGD option grid: each option off or at its value (momentum × dampening × Nesterov × weight decay).</summary>
public sealed record SgdGrid(double Lr, double Momentum, double Dampening, double WeightDecay, OracleRun Run)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"lr {Lr}, momentum {Momentum}, dampening {Dampening}, weight decay {WeightDecay}, {Run}");
}

/// <summary>The values of one Adam option grid: β₁ 0 or its value × ε 0 or its value × AMSGrad × weight decay, at the drawn β₂.</summary>
public sealed record AdamGrid(double Lr, double Beta1, double Beta2, double Eps, double WeightDecay, OracleRun Run)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"lr {Lr}, betas ({Beta1}, {Beta2}), eps {Eps}, weight decay {WeightDecay}, {Run}");
}

/// <summary>A train/test split of Samples samples at TrainFraction (random splits drawn from Seed).</summary>
public sealed record SplitCase(int Samples, double TrainFraction, SplitMode Mode, int Seed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Samples} samples at {TrainFraction}, {Mode}, seed {Seed}");
}

/// <summary>The optimizer and data Arbitraries (registered assembly-wide with the model's by <see cref="PropertyDefaultsAttribute"/>).</summary>
public static class Arbitraries
{
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

    private static Gen<OracleRun> OracleRuns =>
        from steps in Gen.Choose(5, 15) from r in Gen.Choose(1, 4) from c in Gen.Choose(1, 4) from scale in GradScales from s in Seeds
        select new OracleRun(steps, r, c, scale, s);

    private static IEnumerable<OracleRun> ShrinkRun(OracleRun r) => Shrink(r,
        Ints(r.Steps, 5).Select(n => r with { Steps = n }),
        Ints(r.Rows, 1).Select(n => r with { Rows = n }),
        Ints(r.Cols, 1).Select(n => r with { Cols = n }),
        GradScale(r.GradScale).Select(v => r with { GradScale = v }),
        Ints(r.Seed, 0).Select(n => r with { Seed = n }));

    public static Arbitrary<SgdGrid> SgdGrid() => Arb.From(
        from lr in Gen.Choose(1, 500) from m in Gen.Choose(1, 99) from d in Gen.Choose(1, 150) from wd in Gen.Choose(1, 100) from run in OracleRuns
        select new SgdGrid(lr / 1000.0, m / 100.0, d / 100.0, wd / 1000.0, run),
        g => Shrink(g,
            Doubles(g.Lr, 0.1, 0.001, 0.5).Select(v => g with { Lr = v }),
            Doubles(g.Momentum, 0.9, 0.01, 0.99).Select(v => g with { Momentum = v }),
            Doubles(g.Dampening, 0.5, 0.01, 1.5).Select(v => g with { Dampening = v }),
            Doubles(g.WeightDecay, 0.01, 0.001, 0.1).Select(v => g with { WeightDecay = v }),
            ShrinkRun(g.Run).Select(r => g with { Run = r })));

    public static Arbitrary<AdamGrid> AdamGrid() => Arb.From(
        from lr in Gen.Choose(1, 100) from b1 in Gen.Choose(1, 99)
        from b2 in Gen.OneOf(Gen.Elements(0.0, 0.9, 0.99, 0.999, 0.9999), Gen.Choose(500, 999).Select(i => i / 1000.0))
        from eps in Gen.Elements(1e-8, 1e-6, 1e-4, 1e-3, 1e-1) from wd in Gen.Choose(1, 100) from run in OracleRuns
        select new AdamGrid(lr / 1000.0, b1 / 100.0, b2, eps, wd / 1000.0, run),
        g => Shrink(g,
            Doubles(g.Lr, 0.01, 0.001, 0.1).Select(v => g with { Lr = v }),
            Doubles(g.Beta1, 0.9, 0.01, 0.99).Select(v => g with { Beta1 = v }),
            Doubles(g.Beta2, 0.999, 0, 0.9999).Select(v => g with { Beta2 = v }),
            Doubles(g.Eps, 1e-8, 1e-8, 0.1).Select(v => g with { Eps = v }),
            Doubles(g.WeightDecay, 0.01, 0.001, 0.1).Select(v => g with { WeightDecay = v }),
            ShrinkRun(g.Run).Select(r => g with { Run = r })));

    /// <summary>Ensemble members of different shapes: 1–4 members sharing the layer count and outputs, each with its own input width, hidden widths and activation.</summary>
    internal static Gen<MlpSpec[]> EnsembleMembers =>
        from depth in Gen.Choose(0, 2)
        from outputs in Gen.Choose(1, 3)
        from k in Gen.Choose(1, 4)
        from members in Gen.ArrayOf(
            from inputs in Gen.Choose(1, 4)
            from hidden in Gen.ArrayOf(Gen.Choose(1, 5), depth)
            from activation in Gen.Elements<Activation>(new Activation.Relu(), new Activation.Tanh())
            select new MlpSpec(inputs, hidden, outputs, activation, new Activation.Identity()),
            k)
        select members;

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
}
