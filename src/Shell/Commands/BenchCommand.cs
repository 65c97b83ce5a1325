using System.Diagnostics;
using Functional.Reference;
using Functional.Training.Ensembles;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Shell.Commands;

/// <summary><c>bench</c>: throughput benchmarks, one subcommand per suite (<c>bench xor</c>, …).</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("bench", "Throughput benchmarks (a measurement, not a test): one subcommand per suite");
        command.Subcommands.Add(XorBench.Create(stdout, stderr));
        return command;
    }
}

/// <summary>
/// <c>bench xor</c>: XOR training throughput in model-steps per second of (a) the idiomatic imperative TorchSharp loop
/// (<see cref="TorchTrainer"/>), (b) the functional core one model at a time, (c) the ensemble at several K, all in one
/// process on the same data. Each is timed several times, interleaved, and the best run counts (the machine may be shared).
/// </summary>
internal static class XorBench
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var flags = new Flags();
        var steps = flags.Add("Steps", "--steps", "Optimizer steps per timed run (multiple of 500)", 3000);
        var rounds = flags.Add("Rounds", "--rounds", "Timed runs per variant (the best counts)", 3);
        var sizes = flags.Add("K", "--k", $"Ensemble sizes, comma-separated, each 1 to {Limits.EnsembleRuns}", "1,16,64,256");
        return flags.Command("xor", "XOR training throughput: imperative TorchSharp vs the functional core vs ensembles", (r, cancel) =>
        {
            var n = r.GetValue(steps);
            if (n < 500 || n % 500 != 0) throw new OptionError("Steps", n, "a positive multiple of 500");
            var rs = Require.Positive("Rounds", r.GetValue(rounds));
            var ks = Numbers.IntList(sizes.Name, r.GetValue(sizes)!);
            if (ks.Count == 0) throw new OptionError("K", r.GetValue(sizes), "at least one ensemble size");
            Require.EachBetween("K", ks, 1, Limits.EnsembleRuns, int.MaxValue);
            return Run(n, rs, [.. ks], stdout, cancel);
        });
    }

    private static int Run(int steps, int rounds, int[] ks, TextWriter stdout, CancellationToken cancel)
    {
        var o = new XorOptions(Epochs: steps / Xor.TrainBatches);
        stdout.WriteLine($"bench xor: 2-2-1 {o.Activation}, batch {Xor.BatchSize}, SGD lr {o.Lr.ToString(Inv)}, {steps} steps per timed run, best of {rounds}, torch threads {get_num_threads()}");
        var variants = new List<(string Name, Func<double> Measure, int K)>
        {
            ("(a) imperative TorchSharp (modules + optimizer)", () => Imperative(o), 1),
            ("(b) functional core, one model", () => Functional(o), 1),
        };
        variants.AddRange(ks.Select(k => ($"(c) ensemble K = {k}", (Func<double>)(() => EnsembleRun(o, k)), k)));
        foreach (var v in variants) v.Measure(); // warm-up: JIT, allocator, libtorch kernels
        var best = new double[variants.Count];
        for (var round = 0; round < rounds && !cancel.IsCancellationRequested; round++)
            for (var i = 0; i < variants.Count && !cancel.IsCancellationRequested; i++)
            {
                var seconds = variants[i].Measure();
                best[i] = Math.Max(best[i], (double)steps * variants[i].K / seconds);
            }
        if (cancel.IsCancellationRequested) return ExitCodes.Interrupted;
        stdout.WriteLine();
        stdout.WriteLine($"{"variant",-52} {"model-steps/s",14} {"vs (a)",8}");
        for (var i = 0; i < variants.Count; i++)
            stdout.WriteLine(string.Format(Inv, "{0,-52} {1,14:N0} {2,7:F2}x", variants[i].Name, best[i], best[i] / best[0]));
        stdout.WriteLine();
        // A measurement, not a test: the ratios, with what they mean, and no pass or fail.
        stdout.WriteLine(string.Format(Inv, "the functional core runs at {0:F2}x the imperative loop's model-steps per second, one model at a time", best[1] / best[0]));
        var largest = Array.IndexOf(ks, ks.Max());
        stdout.WriteLine(string.Format(Inv, "an ensemble of {0} models trains {1:F1}x as many model-steps per second as the imperative loop (many models share each call into libtorch)",
            ks[largest], best[2 + largest] / best[0]));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The baseline: the tutorial's loop as one writes it in TorchSharp (modules, SGD, backward(), loss.item()), from the
    /// same spec, initial weights and batches as (b), without per-epoch evaluation.
    /// </summary>
    private static double Imperative(XorOptions o)
    {
        using var setup = Xor.Prepare(o);
        using var initial = setup.Initial;
        using var trainer = new TorchTrainer(TorchMlp.From(setup.Trainer.Spec, initial.Params), setup.Trainer.Loss, new TorchOptimizer.Sgd(o.Lr));
        var batches = setup.Data.Train.Batches().Select(b => (b.Inputs, b.Targets)).ToArray();
        var clock = Stopwatch.StartNew();
        double sum = 0;
        for (var epoch = 0; epoch < o.Epochs; epoch++)
            foreach (var loss in trainer.Train(batches))
                sum += loss;
        var seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sum);
        return seconds;
    }

    /// <summary>The functional core: <c>Xor.Prepare</c> and <c>Loop.Run</c>, as the <c>xor</c> command runs it (per-epoch evaluation included).</summary>
    private static double Functional(XorOptions o)
    {
        using var setup = Xor.Prepare(o);
        var clock = Stopwatch.StartNew();
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
            if (e is Finished f) f.State.Dispose();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>K members (seeds o.Seed … o.Seed + K − 1) trained as one ensemble (per-epoch evaluation included).</summary>
    private static double EnsembleRun(XorOptions o, int k)
    {
        using var setup = XorEnsemble.Prepare([.. Enumerable.Range(0, k).Select(i => o with { Seed = o.Seed + i })]);
        var clock = Stopwatch.StartNew();
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan))
            if (e is Finished f) f.State.Dispose();
        return clock.Elapsed.TotalSeconds;
    }
}
