using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Functional.Training.Ensembles;
using Functional.Training.Analysis;
using Spectre.Console;
using Functional.Shell.Verdicts;

namespace Functional.Shell.Commands;

/// <summary><c>xor-experiments</c>: the XOR tutorial's experiment suite, each group of runs trained as one ensemble.</summary>
internal static class XorExperimentsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new XorSuiteOptions();
        var command = new ExerciseCommand("xor-experiments", "The XOR tutorial's experiments (activation, init, centering, termination, learning rate, parity), many runs at once as ensembles; "
                                                             + XorVerdict.AccuracyMeaning, d.Seed, d.Epochs, d.Lr);
        var common = command.Common;
        var repeats = command.Flags.Add(nameof(d.Repeats), "--repeats", $"Seeds per configuration, 1 to {Limits.Repeats}", d.Repeats, "-r");
        common.Epochs!.Description = "Epochs of every run";
        common.Lr.Description = $"Learning rate (all but the sweep of experiment 5; positive, at most {Limits.Float32Number.ToString("0e0", Inv)})";
        common.Seed.Description = "First seed of the repeats";
        common.Out!.Description = $"The run folder: log, CSV, JSON and PNG results, checkpoints (default: a new folder runs/xor-experiments/<time>)";
        var only = command.Flags.AddWithoutDefault<int?>(nameof(d.Only), "--only", "Run one experiment (1-6); 2 or 3 also runs experiment 1, the baseline they are compared with");
        var sweepSeed = command.Flags.Add(nameof(d.SweepSeed), "--sweep-seed", "Seed of experiment 5's learning-rate sweep (one run per rate)", d.SweepSeed);
        var maxHidden = command.Flags.Add(nameof(d.MaxHidden), "--max-hidden", $"Largest hidden width experiment 6 tries, 1 to {Limits.SuiteHidden}, and with --repeats R at most "
                                                                              + $"{Limits.EnsembleRuns} / (3 × R): experiment 6 trains 3 input sizes × each width × each repeat as one ensemble", d.MaxHidden);
        var data = command.Flags.Add(XorCommand.DataOption(), nameof(d.Data));
        return ExerciseRunner.Command(command,
            r => new XorSuiteOptions(r.GetValue(repeats), r.GetValue(common.Epochs!), r.GetValue(common.Lr), r.GetValue(common.Seed), r.GetValue(only),
                SweepSeed: r.GetValue(sweepSeed), MaxHidden: r.GetValue(maxHidden), Data: XorCommand.ParseData(r.GetValue(data)!)).Validate(),
            (o, context) => new Run(o, context), stdout, stderr);
    }

    /// <summary>
    /// The suite stage by stage (one ensemble each), each a training of the runner's: a checkpoint at the end of every
    /// stage, every N epochs with --checkpoint-every, and on Ctrl+C (exit 130, with the resume command); each checkpoint
    /// also records the suite's stage and every value recorded so far, so --resume finishes with the results an
    /// uninterrupted suite gives.
    /// </summary>
    private sealed class Run : IExerciseRun
    {
        private readonly XorSuiteOptions _o;
        private readonly RunContext _context;
        private readonly Stopwatch _clock = new();
        private readonly List<ExperimentResult> _results;
        private XorSuite _suite;
        private bool _loadState;

        public Run(XorSuiteOptions o, RunContext context)
        {
            (_o, _context) = (o, context);
            // The ensembles' tensors are tiny: a second intra-op thread only adds synchronisation, and on a busy machine
            // an OpenMP worker spinning for a core it cannot get multiplies the step time.
            TorchSharp.torch.set_num_threads(1);
            (_suite, _loadState) = Resumed(o, context);
            var groups = _suite.Groups;
            context.Console.Progress.WriteLine($"xor-experiments: {o.Repeats} repeats (seeds {o.Seed}..{o.Seed + o.Repeats - 1}), {o.Epochs} epochs, lr {o.Lr.ToString(Inv)}, data {XorCommand.DataName(o.Data)}; "
                                               + $"{Say.Count(groups.Count, "ensemble")}: {string.Join(" + ", groups.Select((_, s) => $"{(groups[s].Length == 1 ? "experiment" : "experiments")} {string.Join(",", groups[s])} ({Say.Count(_suite.MembersOf(s).Count, "run")})"))}"
                                               + (o.Runs(5) ? $"; experiment 5 sweeps {Say.Count(XorSuiteOptions.SweepRates.Count, "learning rate")} at seed {o.SweepSeed} (--sweep-seed)" : "")
                                               + (o.RunsBaseline() ? $"; experiment 1 runs too, as the baseline experiment {o.Only} is compared with" : ""));
            // Stages finished before an interruption: their results, recomputed from the values the checkpoint recorded.
            _results = [.. Enumerable.Range(0, Math.Min(_suite.Stage, groups.Count)).SelectMany(_suite.ResultsOf)];
        }

        public ProgressBar Bar => new("xor-experiments", _suite.TotalSteps, "ensemble steps");

        public bool ReportsStoppedRuns => true;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            _clock.Start();
            while (!_suite.Done)
            {
                progress(_suite.StepsDone, _suite.StageLabel);
                using var setup = _suite.Prepare();
                // Steps are counted across the suite, so every stage's checkpoints have names of their own.
                yield return Stage.Of("xor-experiments", setup, _o.MustMatchOnResume()) with
                {
                    Resumes = _loadState, Record = () => _suite.Encode(), DivergenceHint = "",
                    StepOffset = (long)_suite.Stage * _o.Epochs * Xor.TrainBatches, Part = _suite.Stage + 1,
                };
                _loadState = false;
                (_suite, var done) = _suite.CompleteStage();
                _results.AddRange(done);
                WriteFiles(_context.Output, _o, _results, _clock.Elapsed, partial: true); // rows done so far survive a Ctrl+C
            }
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (e is not MemberEpochEvent epoch) return;
            _suite = _suite.Record(epoch); // before the epoch's checkpoint, which stores it
            progress(_suite.StepsDone, _suite.StageLabel);
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var (stdout, output) = (_context.Console.Summary, _context.Output);
            var stopped = trained.Any(t => !t.Completed);
            var elapsed = _clock.Elapsed;
            var summary = SuiteVerdict.Summary(_o, _results);
            if (!stopped) output.WriteRaw(Summaries.Event(summary));
            Print(stdout, _results, summary);
            var files = WriteFiles(output, _o, _results, elapsed, partial: stopped);
            stdout.WriteLine(string.Format(Inv, "suite time {0:F1} s ({1})", elapsed.TotalSeconds, Say.Count(_results.Count, "experiment")));
            if (output.OutDir is { } folder)
                stdout.WriteLine(Say.Wrote(folder, [.. files, .. trained.Select(t => t.Result.CheckpointPath).OfType<string>().TakeLast(1)]));
            if (stopped) _context.Console.Errors.WriteLine($"interrupted: {Say.Count(_results.Count, "experiment")} finished and kept");
        }

        public void Dispose() { }
    }

    // The suite a --resume continues: the checkpoint's stage and recorded values, and whether its training state is
    // still to be loaded (a checkpoint written at the end of a stage needs none: the next stage starts fresh).
    private static (XorSuite Suite, bool LoadState) Resumed(XorSuiteOptions o, RunContext context)
    {
        if (context.CheckpointInfo("xor-experiments", o.MustMatchOnResume()) is not { } info) return (XorSuite.Start(o), false);
        if (info.Stage is not { } stage) throw new UsageException($"--resume {context.Resume}: the checkpoint holds no suite stage");
        var suite = XorSuite.Decode(o, stage, info.Next);
        var console = context.Console.Summary;
        if (info.Next.Epoch <= o.Epochs)
        {
            console.WriteLine($"resuming {suite.StageLabel} (stage {suite.Stage + 1} of {suite.Groups.Count})");
            return (suite, true);
        }
        var finished = suite.StageLabel;
        suite = suite.CompleteStage().Next;
        console.WriteLine(suite.Done ? $"resuming a finished suite: its results again" : $"resuming after {finished}: {suite.StageLabel} next");
        return (suite, false);
    }

    private static void Print(TextWriter stdout, IReadOnlyList<ExperimentResult> results, SuiteSummary summary)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!ReferenceEquals(stdout, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 120;
        foreach (var r in results)
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"Experiment {r.Experiment}: {r.Title}"));
            var perRun = r.Experiment is 4 or 5;
            table.AddColumn("setting");
            if (perRun)
            {
                table.AddColumn(new TableColumn("test accuracy*").RightAligned());
                table.AddColumn(new TableColumn("test loss").RightAligned());
                table.AddColumn(r.Experiment == 5 ? "first 100 %" : "plateaus");
                if (r.Experiment == 5)
                {
                    table.AddColumn("diverged");
                    table.AddColumn("verdict");
                }
            }
            else
            {
                table.AddColumn(new TableColumn("test accuracy* (mean ± std)").RightAligned());
                table.AddColumn(new TableColumn("runs at 100 %").RightAligned());
                table.AddColumn(new TableColumn("test loss (mean ± std)").RightAligned());
            }
            foreach (var row in r.Rows)
            {
                var cells = perRun
                    ? new List<string> { row.Setting, Say.Percent(row.AccuracyMean), Num(row.LossMean), row.Detail }
                    : [row.Setting, $"{Say.Percent(row.AccuracyMean)} ± {Say.Percent(row.AccuracyStd)}", $"{row.Perfect}/{row.Runs}", $"{Num(row.LossMean)} ± {Num(row.LossStd)}"];
                if (r.Experiment == 5) cells.AddRange([row.Diverged == true ? "yes" : "no", row.Verdict ?? ""]);
                table.AddRow([.. cells.Select(Markup.Escape)]);
            }
            console.Write(table);
            // Plain lines, not the table console's: a long sentence wraps where the terminal wraps it, not at a fixed width.
            stdout.WriteLine("  * " + AccuracyNote);
            foreach (var note in SuiteVerdict.Lines(summary, r.Experiment)) stdout.WriteLine("  " + note);
            stdout.WriteLine();
        }
    }

    /// <summary>What the tables' accuracy is (their caption).</summary>
    private static readonly string AccuracyNote = $"test accuracy: the share of the {Xor.TestBatches * Xor.BatchSize} test samples with round(output) = round(target), the tutorial's measure "
                                                  + "(an output that rounds to neither class counts wrong, so it can fall below 50 %)";

    /// <summary>Writes the result tables and the plots of the experiments finished so far; returns the files written.</summary>
    private static List<string> WriteFiles(RunOutput output, XorSuiteOptions o, IReadOnlyList<ExperimentResult> results, TimeSpan elapsed, bool partial)
    {
        if (output.OutDir is null) return [];
        var (csv, json) = (output.OutFile("xor-experiments.csv")!, output.OutFile("xor-experiments.json")!);
        WriteAtomic(csv, Csv(results));
        WriteAtomic(json, Json(o, results, elapsed, partial));
        return [csv, json, .. Plot(output, o, results)];
    }

    private static string Csv(IReadOnlyList<ExperimentResult> results)
    {
        var sb = new StringBuilder("experiment,setting,runs,accuracy_mean,accuracy_std,perfect_runs,test_loss_mean,test_loss_std,detail,diverged,verdict\n");
        foreach (var row in results.SelectMany(r => r.Rows))
            sb.Append(string.Join(",", row.Experiment.ToString(Inv), CsvText(row.Setting), row.Runs.ToString(Inv), R(row.AccuracyMean), R(row.AccuracyStd),
                row.Perfect.ToString(Inv), R(row.LossMean), R(row.LossStd), CsvText(row.Detail), row.Diverged is { } d ? (d ? "true" : "false") : "", row.Verdict ?? "")).Append('\n');
        return sb.ToString();
    }

    private static string Json(XorSuiteOptions o, IReadOnlyList<ExperimentResult> results, TimeSpan elapsed, bool partial)
    {
        var summary = SuiteVerdict.Summary(o, results);
        var doc = new
        {
            options = new { repeats = o.Repeats, epochs = o.Epochs, lr = o.Lr, seed = o.Seed, only = o.Only, sweep_seed = o.SweepSeed, max_hidden = o.MaxHidden, data = XorCommand.DataName(o.Data) },
            complete = !partial,
            seconds = Math.Round(elapsed.TotalSeconds, 2),
            experiments = results.Select(r => new
            {
                experiment = r.Experiment,
                title = r.Title,
                notes = SuiteVerdict.Lines(summary, r.Experiment),
                rows = r.Rows.Select(row => new
                {
                    setting = row.Setting, runs = row.Runs, accuracy_mean = J(row.AccuracyMean), accuracy_std = J(row.AccuracyStd), perfect_runs = row.Perfect,
                    test_loss_mean = J(row.LossMean), test_loss_std = J(row.LossStd), detail = row.Detail, diverged = row.Diverged, verdict = row.Verdict,
                }),
            }),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Which run made a plot: the exercise, its key options and its seeds.</summary>
    internal static string RunLabel(XorSuiteOptions o) =>
        $"xor-experiments: {Say.Count(o.Repeats, "seed")} from {o.Seed}, {o.Epochs} epochs, lr {o.Lr.ToString(Inv)}"
        + (o.Data == Functional.Training.Data.XorDataStream.Python ? "" : $", data {XorCommand.DataName(o.Data)}");

    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>One colour per activation, the same on every panel.</summary>
    private static string ActivationColor(string activation) => Palette[Math.Max(0, XorOptions.Activations.ToList().IndexOf(activation)) % Palette.Length];

    /// <summary>Experiments 1–3 as panels of one figure sharing one y axis (test accuracy from 0 to 1), one line per activation.</summary>
    internal static IReadOnlyList<Chart> ActivationPanels(XorSuiteOptions o, IEnumerable<ExperimentResult> results) =>
    [
        .. results.Where(r => r.Experiment is 1 or 2 or 3).OrderBy(r => r.Experiment).Select(r => new Chart(
            $"Experiment {r.Experiment}: {r.Title}\n{RunLabel(o)}", "epoch", $"test accuracy* (mean over {Say.Count(o.Repeats, "seed")})",
            [.. r.Runs.GroupBy(m => m.Member.Setting).Select(g => new Series(g.Key, Epochs(o.Epochs), MeanCurve(g.Select(m => m.Accuracy)))
                { Color = ActivationColor(g.Key), Dashed = g.Key == "relu" })]) // dashed: where two curves coincide, both stay visible
        {
            YRange = (0, 1.02),
        }),
    ];

    /// <summary>The most seeds experiment 4's plot draws (more lines could not be told apart).</summary>
    internal const int PlateauSeedsShown = 10;

    /// <summary>
    /// Experiment 4: each seed's training loss (the first <see cref="PlateauSeedsShown"/>; the title says which), each in
    /// its own colour and, alternately, dash, with the epochs where a plateau ended marked.
    /// </summary>
    internal static Chart PlateauChart(XorSuiteOptions o, ExperimentResult r)
    {
        var shown = r.Runs.Take(PlateauSeedsShown).ToList();
        var seeds = shown.Count == r.Runs.Count ? $"all {Say.Count(shown.Count, "seed")}" : $"the first {shown.Count} of {r.Runs.Count} seeds ({shown[0].Member.Setting} … {shown[^1].Member.Setting})";
        var series = shown.Select((m, i) => new Series(m.Member.Setting, Epochs(o.Epochs), m.TrainLoss) { Color = Palette[i % Palette.Length], Dashed = i % 2 == 1 }).ToList();
        var ends = shown.SelectMany(m => Curves.PlateauEnds(m.TrainLoss).Select(e => (Epoch: e, Loss: m.TrainLoss[e - 1]))).ToList();
        if (ends.Count > 0)
            series.Add(new Series("plateau ends", [.. ends.Select(e => (double)e.Epoch)], [.. ends.Select(e => e.Loss)]) { Points = true, Color = "#000000", MarkerSize = 9 });
        return new Chart($"Experiment 4: sigmoid training loss per epoch, {seeds}, plateau ends marked\n{RunLabel(o)}", "epoch", "train loss (log scale)", series) { LogY = true };
    }

    /// <summary>Experiment 5: final test accuracy by learning rate on a log axis, each rate marked by its verdict.</summary>
    internal static Chart RateChart(XorSuiteOptions o, ExperimentResult r)
    {
        var rates = r.Runs.OrderBy(m => m.Member.Options.Lr).ToList();
        double Accuracy(MemberResult m) => m.Diverged || !double.IsFinite(m.FinalAccuracy) ? 0 : m.FinalAccuracy;
        Series Marked(string verdict, string color) =>
            new(verdict, [.. rates.Where(m => XorExperiments.Verdict(m) == verdict).Select(m => m.Member.Options.Lr)],
                [.. rates.Where(m => XorExperiments.Verdict(m) == verdict).Select(Accuracy)]) { Points = true, Color = color, MarkerSize = 9 };
        return new Chart($"Experiment 5: final test accuracy by learning rate (tanh, centered, seed {o.SweepSeed})\n{RunLabel(o)}",
            "learning rate (log scale)", "test accuracy* after the last epoch (0 when diverged)",
            [
                new Series("final accuracy", [.. rates.Select(m => m.Member.Options.Lr)], [.. rates.Select(Accuracy)]) { Color = "#7f7f7f" },
                Marked("learns", "#2ca02c"), Marked("too slow", "#ff7f0e"), Marked("diverges", "#d62728"),
            ]) { LogX = true, YRange = (-0.02, 1.02) };
    }

    /// <summary>Experiment 6: the share of seeds reaching 100 % by hidden width (whole numbers only), one line per input count.</summary>
    internal static Chart ParityChart(XorSuiteOptions o, ExperimentResult r) =>
        new($"Experiment 6: parity, share of {Say.Count(o.Repeats, "seed")} reaching 100 % test accuracy\n{RunLabel(o)}", "hidden width", "runs at 100 % (fraction)",
            [.. r.Runs.GroupBy(m => m.Member.Options.Inputs).Select((g, i) => new Series($"{g.Key} inputs", [.. g.GroupBy(m => m.Member.Options.Hidden).Select(h => (double)h.Key)],
                [.. g.GroupBy(m => m.Member.Options.Hidden).Select(h => h.Count(m => m.FinalAccuracy >= 1) / (double)h.Count())]) { Color = Palette[i] })])
        {
            IntegerX = true, YRange = (-0.02, 1.02),
        };

    /// <summary>Draws the plots of the finished experiments; returns the files written.</summary>
    private static List<string> Plot(RunOutput output, XorSuiteOptions o, IReadOnlyList<ExperimentResult> results)
    {
        var written = new List<string>();
        var panels = ActivationPanels(o, results);
        if (panels.Count > 0)
        {
            var path = output.OutFile("xor-exp1-3-accuracy.png")!;
            Charts.SavePanels(path, panels, 620 * panels.Count, 600);
            written.Add(path);
        }
        foreach (var r in results)
        {
            var (name, chart) = r.Experiment switch
            {
                4 => ("xor-exp4-plateaus.png", PlateauChart(o, r)),
                5 => ("xor-exp5-lr.png", RateChart(o, r)),
                6 => ("xor-exp6-parity.png", ParityChart(o, r)),
                _ => ((string?)null, (Chart?)null),
            };
            if (name is null || chart is null) continue;
            var path = output.OutFile(name)!;
            Charts.Save(path, chart);
            written.Add(path);
        }
        return written;
    }

    private static double[] Epochs(int n) => [.. Enumerable.Range(1, n).Select(e => (double)e)];

    private static double[] MeanCurve(IEnumerable<double[]> curves)
    {
        var all = curves.ToList();
        return [.. Enumerable.Range(0, all[0].Length).Select(e => all.Average(c => double.IsFinite(c[e]) ? c[e] : 0))];
    }

    private static void WriteAtomic(string path, string text)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }

    private static string Num(double x) => double.IsFinite(x) ? x.ToString(Math.Abs(x) >= 1e4 ? "0.00e0" : "F4", Inv) : x.ToString(Inv);
    private static string R(double x) => x.ToString("R", Inv);
    private static object J(double x) => double.IsFinite(x) ? x : x.ToString(Inv);
    private static string CsvText(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
