using System.Diagnostics;
using Functional.Reference;
using Functional.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Shell.Commands;

/// <summary>
/// <c>bench mnist</c>: one epoch of the MNIST tutorial over the shipped sample, timed through the functional core
/// (<see cref="Loop.Run"/> with the pure step) and through the imperative TorchSharp loop (<see cref="TorchTrainer"/>:
/// modules, Adam, backward), on the same initial weights and the same shuffled batches. Rounds alternate, so load from
/// other processes falls on both.
/// </summary>
internal static class BenchMnist
{
    /// <summary>The subcommand "mnist" for the <c>bench</c> parent command.</summary>
    internal static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, "mnist");

    internal static Command Create(TextWriter stdout, TextWriter stderr, string name)
    {
        var flags = new Flags();
        var rounds = flags.Add("Rounds", "--rounds", "Timed epochs per implementation (alternating)", 3, "-r");
        var seed = flags.Add<long>(nameof(MnistOptions.Seed), "--seed", "Seed of the weights and the shuffle", 1, "-s");
        var limit = flags.AddWithoutDefault<int?>(nameof(MnistOptions.Limit), "--limit", "Use the first N training images only");
        var threads = MnistCommand.ThreadsOption(flags, "torch threads (1, as mnist uses, by default)");
        return flags.Command(name, "Time one MNIST epoch (sample, batch 10): functional core vs the imperative TorchSharp loop", (r, cancel) =>
        {
            torch.set_num_threads(MnistCommand.Threads(r, threads));
            return Run(Require.Positive("Rounds", r.GetValue(rounds)), r.GetValue(seed), r.GetValue(limit), stdout, cancel);
        });
    }

    private static int Run(int rounds, long seed, int? limit, TextWriter stdout, CancellationToken cancel)
    {
        using var data = MnistFiles.Load(MnistFiles.SampleDir, "shipped sample");
        var options = new MnistOptions(Epochs: 1, Seed: seed, Limit: limit).Validate();
        using var setup = Mnist.Prepare(options, data);
        using var initial = setup.Initial;
        var epoch = Batching.Shuffled(setup.Data.TrainPixels, setup.Data.TrainLabels, 10, initial.Rng).MapInputs(Mnist.ToInputs);
        var batches = epoch.GatherAll(); // the same batches every round
        stdout.WriteLine($"bench mnist: one epoch of {batches.Count} steps (batch 10, {setup.Data.TrainPixels.shape[0]:N0} images), network {setup.Trainer.Spec}, "
                         + $"{setup.Trainer.Optimizer}, {torch.get_num_threads()} torch threads, {rounds} alternating rounds");

        // Warm-up: JIT, allocator and libtorch's lazy initialisation, for both.
        Functional(setup, initial, batches.Take(50).ToList(), cancel);
        Imperative(setup, initial, options.Lr, batches.Take(50).ToList());

        List<double> fw = [], iw = [], fc = [], ic = [];
        List<double> fLosses = [], iLosses = [];
        for (var round = 0; round < rounds && !cancel.IsCancellationRequested; round++)
        {
            (var fWall, var fCpu, fLosses) = Functional(setup, initial, batches, cancel);
            (var iWall, var iCpu, iLosses) = Imperative(setup, initial, options.Lr, batches);
            fw.Add(fWall); iw.Add(iWall); fc.Add(fCpu); ic.Add(iCpu);
            stdout.WriteLine(string.Format(Inv, "round {0}: functional {1:F3} s (cpu {2:F3})   imperative {3:F3} s (cpu {4:F3})   ratio {5:F3} (cpu {6:F3})",
                round + 1, fWall, fCpu, iWall, iCpu, fWall / iWall, fCpu / iCpu));
        }
        var worst = fLosses.Zip(iLosses, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-12)).DefaultIfEmpty(0).Max();
        stdout.WriteLine(string.Format(Inv, "median wall: functional {0:F3} s ({1:F0} steps/s)   imperative {2:F3} s ({3:F0} steps/s)   ratio {4:F3} (functional / imperative)",
            Median(fw), batches.Count / Median(fw), Median(iw), batches.Count / Median(iw), Median(fw) / Median(iw)));
        stdout.WriteLine(string.Format(Inv, "median cpu:  functional {0:F3} s   imperative {1:F3} s   ratio {2:F3}", Median(fc), Median(ic), Median(fc) / Median(ic)));
        stdout.WriteLine(string.Format(Inv, "best wall:   functional {0:F3} s   imperative {1:F3} s   ratio {2:F3}", fw.Min(), iw.Min(), fw.Min() / iw.Min()));
        stdout.WriteLine(string.Format(Inv, "same numbers: largest relative difference between the two loops' step losses {0:G3}", worst));
        foreach (var b in batches) { b.Inputs.Dispose(); b.Targets.Dispose(); }
        return ExitCodes.Ok;
    }

    private static (double Wall, double Cpu, List<double> Losses) Functional(Prepared<Trainer, MnistTrainSet> setup, TrainState initial, IReadOnlyList<Batch> batches, CancellationToken cancel)
    {
        var start = setup.Trainer.Start(initial.Params.Clone(), initial.Rng);
        var plan = new RunPlan(1, (_, r) => new EpochData(batches, r));
        var losses = new List<double>(batches.Count);
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        foreach (var e in Loop.Run(setup.Trainer, start, plan, cancel))
        {
            if (e is StepEvent s) losses.Add(s.Loss);
            if (e is Finished fin) fin.State.Dispose();
        }
        return (clock.Elapsed.TotalSeconds, Cpu() - cpu, losses);
    }

    private static (double Wall, double Cpu, List<double> Losses) Imperative(Prepared<Trainer, MnistTrainSet> setup, TrainState initial, double lr, IReadOnlyList<Batch> batches)
    {
        using var trainer = new TorchTrainer(TorchMlp.From(setup.Trainer.Spec, initial.Params), setup.Trainer.Loss, new TorchOptimizer.Adam(lr));
        var losses = new List<double>(batches.Count);
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        foreach (var loss in trainer.Train(batches.Select(b => (b.Inputs, b.Targets))))
            losses.Add(loss);
        return (clock.Elapsed.TotalSeconds, Cpu() - cpu, losses);
    }

    // CPU time of the process: on a loaded machine it shows the work done, where wall time also counts the waiting.
    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
