using System.Diagnostics;

namespace Functional.Shell.Commands;

/// <summary>
/// <c>bench memory</c>: trains for many steps and samples the process's resident memory every N steps; fails (exit 1)
/// if it grows by more than the allowed amount after the first sample (the warm-up). With <c>--compare</c>: the peak
/// resident memory of whole runs against the imperative program and PyTorch (<see cref="BenchPeak"/>).
/// </summary>
internal static class BenchMemory
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var flags = new Flags();
        var steps = flags.Add("Steps", "--steps", "Training steps", 100_000);
        var every = flags.Add("Every", "--every", "Sample resident memory every N steps (at most --steps)", 10_000);
        var limit = flags.Add<double>("MaxGrowthMb", "--max-growth-mb", "Allowed growth after warm-up, in MB", 50);
        var suite = flags.Add("Suite", "--suite", "logic (one long run) or xor-experiments (the suite run again and again)", "logic");
        var suites = flags.Add("Suites", "--suites", "xor-experiments: how many suites to run (RSS sampled after each; the first is the warm-up)", 5);
        var suiteEpochs = flags.Add("SuiteEpochs", "--suite-epochs", "xor-experiments: epochs of every run in the suite", 10);
        var compare = flags.AddWithoutDefault<bool>("Compare", "--compare",
            "Instead: the peak resident memory of whole runs (logic --epochs 1, xor --seed 3, mnist --seed 4 --epochs 1), each in a process of its own, "
            + "against the imperative TorchSharp program (bench/Imperative) and PyTorch (tools/reference/reference.py, where /usr/bin/python3 has torch); prints the commands and the ratios");
        var exercises = flags.Add("Exercises", "--exercises", $"With --compare: which runs, comma-separated ({string.Join("|", BenchPeak.Runs.Keys)})",
            string.Join(",", BenchPeak.Runs.Keys));
        var imperative = flags.AddWithoutDefault<string?>("Imperative", "--imperative",
            "With --compare: the imperative program's dll (default: bench/Imperative's Release build in this repository)");
        var reference = flags.AddWithoutDefault<string?>("Reference", "--reference", "With --compare: the PyTorch reference script (default: tools/reference/reference.py in this repository)");
        return flags.Command("memory", "Resident memory over a long logic run or repeated xor-experiments suites: must stay flat; --compare: peak memory of whole runs against the imperative program and PyTorch", (r, cancel) =>
        {
            if (r.GetValue(compare))
            {
                var chosen = r.GetValue(exercises)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(e => Require.OneOf("Exercises", e, BenchPeak.Runs.Keys)).Distinct().ToList();
                if (chosen.Count == 0) throw new OptionError("Exercises", r.GetValue(exercises)!, $"one or more of: {string.Join("|", BenchPeak.Runs.Keys)}");
                return BenchPeak.Run(chosen, r.GetValue(imperative), r.GetValue(reference), stdout, cancel);
            }
            var maxGrowth = Require.NonNegativeNumber("MaxGrowthMb", r.GetValue(limit));
            if (Require.OneOf("Suite", r.GetValue(suite)!, ["logic", "xor-experiments"]) == "xor-experiments")
                return RunSuites(Require.AtLeast("Suites", r.GetValue(suites), 2), Require.Positive("SuiteEpochs", r.GetValue(suiteEpochs)), maxGrowth, stdout, cancel);
            var n = Require.Positive("Steps", r.GetValue(steps));
            var k = Require.Between("Every", r.GetValue(every), 1, n);
            return Run(n, k, maxGrowth, stdout, cancel);
        });
    }

    private static int Run(int steps, int every, double maxGrowthMb, TextWriter stdout, CancellationToken cancel)
    {
        using var setup = Logic.Prepare(new LogicOptions(Epochs: (steps + 3) / 4));
        var samples = new List<double>();
        var done = 0;
        foreach (var e in Loop.Run(setup.Trainer, setup.Initial, setup.Plan, cancel))
        {
            if (e is StepEvent && ++done % every == 0)
            {
                var mb = ResidentMb();
                samples.Add(mb);
                stdout.WriteLine(string.Format(Inv, "step {0,8}  rss {1,8:F1} MB", done, mb));
            }
            if (e is Finished f) f.State.Dispose();
            if (done >= steps && e is EpochEvent) break;
        }
        return Verdict(samples, maxGrowthMb, stdout);
    }

    // A small suite (every experiment, 3 repeats, both ensembles) run again and again in this process.
    private static int RunSuites(int count, int epochs, double maxGrowthMb, TextWriter stdout, CancellationToken cancel)
    {
        var options = new XorSuiteOptions(Repeats: 3, Epochs: epochs).Validate();
        var samples = new List<double>();
        for (var i = 1; i <= count && !cancel.IsCancellationRequested; i++)
        {
            foreach (var e in XorExperiments.Run(options, cancel)) { }
            var mb = ResidentMb();
            samples.Add(mb);
            stdout.WriteLine(string.Format(Inv, "suite {0,3}  rss {1,8:F1} MB", i, mb));
        }
        return Verdict(samples, maxGrowthMb, stdout);
    }

    private static double ResidentMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / 1e6;
    }

    private static int Verdict(List<double> samples, double maxGrowthMb, TextWriter stdout)
    {
        if (samples.Count == 0) return ExitCodes.Failure;
        var growth = samples.Max() - samples[0];
        var ok = growth <= maxGrowthMb;
        stdout.WriteLine(string.Format(Inv, "rss after warm-up {0:F1} MB, max {1:F1} MB, growth {2:F1} MB (limit {3:F0} MB): {4}",
            samples[0], samples.Max(), growth, maxGrowthMb, ok ? "flat" : "GROWING"));
        return ok ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
