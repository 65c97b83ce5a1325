using System.Collections.Immutable;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Functional.Shell.Rendering;
using Functional.Training;
using Functional.Training.Ensembles;
using Functional.Training.Analysis;
using Functional.Training.Exercises;
using Spectre.Console;

namespace Functional.Shell.Commands;

/// <summary><c>xor-experiments</c>: the XOR tutorial's experiment suite, each group of runs trained as one ensemble.</summary>
internal static class XorExperimentsCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new XorSuiteOptions();
        var repeats = new Option<int>("--repeats", "-r") { Description = "Seeds per configuration", DefaultValueFactory = _ => d.Repeats };
        var epochs = new Option<int>("--epochs", "-e") { Description = "Epochs of every run", DefaultValueFactory = _ => d.Epochs };
        var lr = new Option<double>("--lr") { Description = "Learning rate (all but the sweep of experiment 5)", DefaultValueFactory = _ => d.Lr };
        var seed = new Option<long>("--seed", "-s") { Description = "First seed of the repeats", DefaultValueFactory = _ => d.Seed };
        var only = new Option<int?>("--only") { Description = "Run one experiment (1-6)" };
        var maxHidden = new Option<int>("--max-hidden") { Description = "Largest hidden width experiment 6 tries", DefaultValueFactory = _ => d.MaxHidden };
        var common = new CommonOptions("xor-experiments", d.Seed, d.Epochs, d.Lr);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display" };
        var data = XorCommand.DataOption();
        var command = new Command("xor-experiments", "The XOR tutorial's experiments (activation, init, centering, termination, learning rate, parity), many runs at once as ensembles");
        foreach (var o in new Option[] { repeats, epochs, lr, seed, only, maxHidden, data, common.Out, common.Log, quiet, common.CheckpointEvery, common.Resume, common.Name, common.Force, common.Keep })
            command.Options.Add(o);
        command.SetAction((r, cancel) =>
        {
            var options = new XorSuiteOptions(r.GetValue(repeats), r.GetValue(epochs), r.GetValue(lr), r.GetValue(seed), r.GetValue(only), MaxHidden: r.GetValue(maxHidden), Data: XorCommand.ParseData(r.GetValue(data)!)).Validate();
            var session = common.Session(r);
            using var output = common.Output(r);
            return Task.FromResult(Run(options, session, output, r.GetValue(quiet), CommonOptions.RepeatCommand(r), stdout, stderr, cancel));
        });
        return command;
    }

    /// <summary>
    /// Trains the suite stage by stage (one ensemble each) through <see cref="Session"/>: a checkpoint at the end of every
    /// stage, every N epochs with --checkpoint-every, and on Ctrl+C (exit 130, with the resume command); each checkpoint
    /// also records the suite's stage and every value recorded so far, so --resume finishes with the results an
    /// uninterrupted suite gives.
    /// </summary>
    internal static int Run(XorSuiteOptions o, SessionOptions session, RunOutput output, bool quiet, string repeat, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        // The ensembles' tensors are tiny: a second intra-op thread only adds synchronisation, and on a busy machine
        // an OpenMP worker spinning for a core it cannot get multiplies the step time.
        TorchSharp.torch.set_num_threads(1);
        var options = Session.OptionsOf(o);
        var (suite, resuming) = Resumed(o, session, options, stdout);
        var groups = suite.Groups;
        stdout.WriteLine($"xor-experiments: {o.Repeats} repeats (seeds {o.Seed}..{o.Seed + o.Repeats - 1}), {o.Epochs} epochs, lr {o.Lr.ToString(Inv)}, data {XorCommand.DataName(o.Data)}; "
                         + $"{groups.Count} ensemble{(groups.Count == 1 ? "" : "s")}: {string.Join(" + ", groups.Select((_, s) => $"experiments {string.Join(",", groups[s])} ({suite.MembersOf(s).Count} runs)"))}");
        // Stages finished before an interruption: their results, recomputed from the values the checkpoint recorded.
        var results = Enumerable.Range(0, Math.Min(suite.Stage, groups.Count)).SelectMany(suite.ResultsOf).ToList();
        var clock = Stopwatch.StartNew();
        var code = ExitCodes.Ok;
        var stopped = false;
        Rendering.Progress.Run(stderr, quiet, "xor-experiments", suite.TotalSteps, "ensemble steps", report =>
        {
            while (!suite.Done)
            {
                report(suite.StepsDone, suite.StageLabel);
                using var setup = suite.Prepare();
                var run = new ExerciseRun("xor-experiments", setup.Trainer, setup.Initial, setup.Plan, options)
                {
                    Stage = () => suite.Encode(),
                    StepOffset = (long)suite.Stage * o.Epochs * Xor.TrainBatches,
                    Part = suite.Stage + 1,
                };
                if (resuming)
                {
                    run = Session.Resume(run, session, output, stdout);
                    resuming = false;
                }
                var result = Session.Train(run, session, output, stderr, repeat, "", e =>
                {
                    if (e is not MemberEpochEvent epoch) return;
                    suite = suite.Record(epoch); // before the epoch's checkpoint, which stores it
                    report(suite.StepsDone, suite.StageLabel);
                }, cancel);
                result.Finished.State.Dispose();
                if (result.Finished.Reason is not StopReason.Completed)
                {
                    (code, stopped) = (result.ExitCode, true);
                    return 0;
                }
                if (result.ExitCode != ExitCodes.Ok) code = result.ExitCode; // the stage's checkpoint was not written: said, and the suite goes on
                (suite, var done) = suite.CompleteStage();
                results.AddRange(done);
                WriteFiles(output, o, results, clock.Elapsed, partial: true); // rows done so far survive a Ctrl+C
            }
            return 0;
        });
        var elapsed = clock.Elapsed;
        Print(stdout, results);
        WriteFiles(output, o, results, elapsed, partial: stopped);
        if (output.OutDir is not null) stdout.WriteLine($"wrote results and plots to {RunFolder.Display(output.OutDir)}");
        stdout.WriteLine(string.Format(Inv, "suite time {0:F1} s ({1} experiment{2})", elapsed.TotalSeconds, results.Count, results.Count == 1 ? "" : "s"));
        if (stopped) stderr.WriteLine($"interrupted: {results.Count} experiment{(results.Count == 1 ? "" : "s")} finished and kept");
        output.Commit();
        return code;
    }

    // The suite a --resume continues: the checkpoint's stage and recorded values, and whether its training state is
    // still to be loaded (a checkpoint written at the end of a stage needs none: the next stage starts fresh).
    private static (XorSuite Suite, bool LoadState) Resumed(XorSuiteOptions o, SessionOptions session, ImmutableSortedDictionary<string, string> options, TextWriter stdout)
    {
        if (session.Resume is null) return (XorSuite.Start(o), false);
        var info = Session.ReadInfo(session.Resume, "xor-experiments", options);
        if (info.Stage is not { } stage) throw new UsageException($"--resume {session.Resume}: the checkpoint holds no suite stage");
        var suite = XorSuite.Decode(o, stage, info.Next);
        if (info.Next.Epoch <= o.Epochs)
        {
            stdout.WriteLine($"resuming {suite.StageLabel} (stage {suite.Stage + 1} of {suite.Groups.Count})");
            return (suite, true);
        }
        var finished = suite.StageLabel;
        suite = suite.CompleteStage().Next;
        stdout.WriteLine(suite.Done ? $"resuming a finished suite: its results again" : $"resuming after {finished}: {suite.StageLabel} next");
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
