using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Functional.Training.Ensembles;
using Functional.Training.Analysis;
using Spectre.Console;

namespace Functional.Shell.Commands;

/// <summary><c>xor-experiments</c>: the XOR tutorial's experiment suite, each group of runs trained as one ensemble.</summary>
internal static class XorExperimentsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new XorSuiteOptions();
        var (common, flags) = CommonOptions.Of("xor-experiments", d.Seed, d.Epochs, d.Lr);
        var repeats = flags.Add(new Option<int>("--repeats", "-r") { Description = $"Seeds per configuration, 1 to {Limits.Repeats}", DefaultValueFactory = _ => d.Repeats },
            nameof(XorSuiteOptions.Repeats));
        common.Epochs!.Description = "Epochs of every run";
        common.Lr.Description = $"Learning rate (all but the sweep of experiment 5; positive, at most {Limits.Float32Number.ToString("0e0", Inv)})";
        common.Seed.Description = "First seed of the repeats";
        common.Out!.Description = $"The run folder: log, CSV, JSON and PNG results, checkpoints (default: a new folder runs/xor-experiments/<time>)";
        var only = flags.Add(new Option<int?>("--only") { Description = "Run one experiment (1-6)" }, nameof(XorSuiteOptions.Only));
        var maxHidden = flags.Add(new Option<int>("--max-hidden") { Description = $"Largest hidden width experiment 6 tries, 1 to {Limits.SuiteHidden}, and with --repeats R at most {Limits.EnsembleRuns} / (3 × R): experiment 6 trains 3 input sizes × each width × each repeat as one ensemble", DefaultValueFactory = _ => d.MaxHidden },
            nameof(XorSuiteOptions.MaxHidden));
        var data = flags.Add(XorCommand.DataOption(), nameof(XorSuiteOptions.Data));
        return ExerciseRunner.Command("xor-experiments", "The XOR tutorial's experiments (activation, init, centering, termination, learning rate, parity), many runs at once as ensembles",
            flags, common,
            r => new XorSuiteOptions(r.GetValue(repeats), r.GetValue(common.Epochs!), r.GetValue(common.Lr), r.GetValue(common.Seed), r.GetValue(only),
                MaxHidden: r.GetValue(maxHidden), Data: XorCommand.ParseData(r.GetValue(data)!)).Validate(),
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
                                               + $"{groups.Count} ensemble{(groups.Count == 1 ? "" : "s")}: {string.Join(" + ", groups.Select((_, s) => $"experiments {string.Join(",", groups[s])} ({_suite.MembersOf(s).Count} runs)"))}");
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
            Print(stdout, _results);
            WriteFiles(output, _o, _results, elapsed, partial: stopped);
            if (output.OutDir is not null) stdout.WriteLine($"wrote results and plots to {output.OutDir}");
            stdout.WriteLine(string.Format(Inv, "suite time {0:F1} s ({1} experiment{2})", elapsed.TotalSeconds, _results.Count, _results.Count == 1 ? "" : "s"));
            if (stopped) _context.Console.Errors.WriteLine($"interrupted: {_results.Count} experiment{(_results.Count == 1 ? "" : "s")} finished and kept");
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

    private static void Print(TextWriter stdout, IReadOnlyList<ExperimentResult> results)
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
                table.AddColumn(new TableColumn("test accuracy").RightAligned());
                table.AddColumn(new TableColumn("test loss").RightAligned());
                table.AddColumn(r.Experiment == 5 ? "first 100%" : "plateaus");
                if (r.Experiment == 5)
                {
                    table.AddColumn("diverged");
                    table.AddColumn("verdict");
                }
            }
            else
            {
                table.AddColumn(new TableColumn("test accuracy (mean ± std)").RightAligned());
                table.AddColumn(new TableColumn("100% runs").RightAligned());
                table.AddColumn(new TableColumn("test loss (mean ± std)").RightAligned());
            }
            foreach (var row in r.Rows)
            {
                var cells = perRun
                    ? new List<string> { row.Setting, Percent(row.AccuracyMean), Num(row.LossMean), row.Detail }
                    : [row.Setting, $"{Percent(row.AccuracyMean)} ± {Percent(row.AccuracyStd)}", $"{row.Perfect}/{row.Runs}", $"{Num(row.LossMean)} ± {Num(row.LossStd)}"];
                if (r.Experiment == 5) cells.AddRange([row.Diverged == true ? "yes" : "no", row.Verdict ?? ""]);
                table.AddRow([.. cells.Select(Markup.Escape)]);
            }
            console.Write(table);
            foreach (var note in r.Notes) console.WriteLine("  " + note);
            console.WriteLine();
        }
    }

    private static void WriteFiles(RunOutput output, XorSuiteOptions o, IReadOnlyList<ExperimentResult> results, TimeSpan elapsed, bool partial)
    {
        if (output.OutDir is null) return;
        WriteAtomic(output.OutFile("xor-experiments.csv")!, Csv(results));
        WriteAtomic(output.OutFile("xor-experiments.json")!, Json(o, results, elapsed, partial));
        foreach (var r in results) Plot(output, o, r);
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
        var doc = new
        {
            options = new { repeats = o.Repeats, epochs = o.Epochs, lr = o.Lr, seed = o.Seed, only = o.Only, sweep_seed = o.SweepSeed, max_hidden = o.MaxHidden, data = XorCommand.DataName(o.Data) },
            complete = !partial,
            seconds = Math.Round(elapsed.TotalSeconds, 2),
            experiments = results.Select(r => new
            {
                experiment = r.Experiment,
                title = r.Title,
                notes = r.Notes,
                rows = r.Rows.Select(row => new
                {
                    setting = row.Setting, runs = row.Runs, accuracy_mean = J(row.AccuracyMean), accuracy_std = J(row.AccuracyStd), perfect_runs = row.Perfect,
                    test_loss_mean = J(row.LossMean), test_loss_std = J(row.LossStd), detail = row.Detail, diverged = row.Diverged, verdict = row.Verdict,
                }),
            }),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }

    private static void Plot(RunOutput output, XorSuiteOptions o, ExperimentResult r)
    {
        var epochs = Enumerable.Range(1, o.Epochs).Select(e => (double)e).ToArray();
        string[] palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
        switch (r.Experiment)
        {
            case 1 or 2 or 3:
                Charts.Save(output.OutFile($"xor-exp{r.Experiment}-accuracy.png")!, $"Experiment {r.Experiment}: {r.Title} — mean test accuracy over {o.Repeats} seeds",
                    "epoch", "test accuracy (mean over seeds)",
                    r.Runs.GroupBy(m => m.Member.Setting).Select((g, i) => new Series(g.Key, epochs, MeanCurve(g.Select(m => m.Accuracy))) { Color = palette[i] }));
                break;
            case 4:
                var shown = r.Runs.Take(5).ToList();
                var series = shown.Select((m, i) => new Series(m.Member.Setting, epochs, m.TrainLoss) { Color = palette[i] }).ToList();
                series.AddRange(shown.Select((m, i) =>
                {
                    var ends = Curves.PlateauEnds(m.TrainLoss);
                    return new Series(i == 0 ? "plateau ends" : "", [.. ends.Select(e => (double)e)], [.. ends.Select(e => m.TrainLoss[e - 1])]) { Points = true, Color = "#000000", MarkerSize = 9 };
                }).Where(s => s.X.Length > 0));
                Charts.Save(output.OutFile("xor-exp4-plateaus.png")!, "Experiment 4: sigmoid training loss per epoch, with detected plateau ends", "epoch", "train loss (log scale)", series, logY: true);
                break;
            case 5:
                var rates = r.Runs.OrderBy(m => m.Member.Options.Lr).ToList();
                var x = rates.Select(m => Math.Log10(m.Member.Options.Lr)).ToArray();
                Charts.Save(output.OutFile("xor-exp5-lr.png")!, "Experiment 5: final test accuracy by learning rate (tanh, centered, seed " + o.SweepSeed.ToString(Inv) + ")",
                    "log10 learning rate", "test accuracy after the last epoch (0 when diverged)",
                    [new Series("final accuracy", x, [.. rates.Select(m => m.Diverged || !double.IsFinite(m.FinalAccuracy) ? 0 : m.FinalAccuracy)]) { Color = "#1f77b4" },
                     new Series("learns", [.. rates.Where(m => XorExperiments.Verdict(m) == "learns").Select(m => Math.Log10(m.Member.Options.Lr))], [.. rates.Where(m => XorExperiments.Verdict(m) == "learns").Select(m => m.FinalAccuracy)]) { Points = true, Color = "#2ca02c", MarkerSize = 8 },
                     new Series("too slow", [.. rates.Where(m => XorExperiments.Verdict(m) == "too slow").Select(m => Math.Log10(m.Member.Options.Lr))], [.. rates.Where(m => XorExperiments.Verdict(m) == "too slow").Select(m => m.FinalAccuracy)]) { Points = true, Color = "#ff7f0e", MarkerSize = 8 },
                     new Series("diverges", [.. rates.Where(m => m.Diverged).Select(m => Math.Log10(m.Member.Options.Lr))], [.. rates.Where(m => m.Diverged).Select(_ => 0.0)]) { Points = true, Color = "#d62728", MarkerSize = 8 }]);
                break;
            case 6:
                Charts.Save(output.OutFile("xor-exp6-parity.png")!, $"Experiment 6: parity — share of {o.Repeats} seeds reaching 100% test accuracy", "hidden width", "runs at 100% (fraction)",
                    r.Runs.GroupBy(m => m.Member.Options.Inputs).Select((g, i) => new Series($"{g.Key} inputs", [.. g.GroupBy(m => m.Member.Options.Hidden).Select(h => (double)h.Key)],
                        [.. g.GroupBy(m => m.Member.Options.Hidden).Select(h => h.Count(m => m.FinalAccuracy >= 1) / (double)h.Count())]) { Color = palette[i] }));
                break;
        }
    }

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

    private static string Percent(double x) => double.IsFinite(x) ? (100 * x).ToString("F1", Inv) + "%" : "n/a";
    private static string Num(double x) => double.IsFinite(x) ? x.ToString(Math.Abs(x) >= 1e4 ? "0.00e0" : "F4", Inv) : x.ToString(Inv);
    private static string R(double x) => x.ToString("R", Inv);
    private static object J(double x) => double.IsFinite(x) ? x : x.ToString(Inv);
    private static string CsvText(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
