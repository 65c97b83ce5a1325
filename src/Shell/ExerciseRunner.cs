using System.Collections.Immutable;
using Functional.Training.Checkpoints;

namespace Functional.Shell;

/// <summary>
/// Where a run's text goes. <see cref="Progress"/> (the introduction, per-epoch lines, a walkthrough's steps) is silent
/// under --quiet; <see cref="Summary"/> (the final summary, what was written, where a resumed run continues) always prints.
/// </summary>
internal sealed record RunConsole(TextWriter Progress, TextWriter Summary, TextWriter Errors);

/// <summary>
/// One stage of a run: a training the runner runs as a checkpointed session (most runs have one; a weight-decay
/// comparison two; the XOR suite one per ensemble): the name its checkpoint file takes, what to train, and the options a
/// checkpoint of it must match to be resumed.
/// </summary>
internal sealed record Stage(string Name, ITrainer Trainer, TrainState Initial, RunPlan Plan, ImmutableSortedDictionary<string, string> MustMatch)
{
    /// <summary>Whether a --resume continues this stage (only the first stage that says so is resumed).</summary>
    public bool Resumes { get; init; } = true;

    /// <summary>A multi-stage run's record of where it stands, stored with every checkpoint (<see cref="RunInfo.Stage"/>).</summary>
    public Func<string>? Record { get; init; }

    /// <summary>What to try when the loss turns non-finite (the end of the divergence line).</summary>
    public string DivergenceHint { get; init; } = "try a smaller --lr";

    /// <summary>Which training of a run made of several this is (its epoch events' <c>part</c>); null for a run of one.</summary>
    public int? Part { get; init; }

    /// <summary>
    /// The optimizer steps of the run's trainings before this one (checkpoints are named by the run's step count); null
    /// counts the steps of the stages trained before it in this process. A stage resumed past earlier stages that are
    /// not trained again (the XOR suite) gives its own.
    /// </summary>
    public long? StepOffset { get; init; }

    /// <summary>The stage that trains a prepared exercise.</summary>
    public static Stage Of<TTrainer, TData>(string name, Prepared<TTrainer, TData> prepared, ImmutableSortedDictionary<string, string> mustMatch)
        where TTrainer : ITrainer where TData : IDisposable =>
        new(name, prepared.Trainer, prepared.Initial, prepared.Plan, mustMatch);
}

/// <summary>A stage whose training ended, and how (the session's result, whose final state stays valid until the run's report is done).</summary>
internal sealed record Trained(Stage Stage, SessionResult Result)
{
    /// <summary>The final state.</summary>
    public TrainState Final => Result.Finished.State;

    /// <summary>Whether every epoch ran.</summary>
    public bool Completed => Result.Finished.Reason is StopReason.Completed;
}

/// <summary>A run's progress display: what it counts and how many in all.</summary>
internal sealed record ProgressBar(string Label, long Total, string Unit);

/// <summary>
/// One run of an exercise, the part of a command that differs between exercises: it prepares its stages, renders
/// their events and writes the final summary. The runner does the rest, the same for every exercise. Disposing it frees what it prepared.
/// </summary>
internal interface IExerciseRun : IDisposable
{
    /// <summary>The progress display, or null for none (an exercise that prints its own lines as it goes).</summary>
    ProgressBar? Bar => null;

    /// <summary>Whether <see cref="Report"/> also runs after a stage stopped early (interrupted or diverged).</summary>
    bool ReportsStoppedRuns => false;

    /// <summary>The stages in order, produced lazily: the next is asked for only once the one before has completed.</summary>
    IEnumerable<Stage> Stages(ReportProgress progress);

    /// <summary>Shows one event of the stage now training.</summary>
    void Render(TrainEvent e, ReportProgress progress);

    /// <summary>
    /// An event the run's log held before this process resumed the stage: to be counted as <see cref="Render"/> counts it
    /// (a curve, a first epoch at 100 %), not shown again. Called for each, in order, before training goes on.
    /// </summary>
    void Recall(TrainEvent e) { }

    /// <summary>Called as each stage's training ends, completed or not.</summary>
    void Stopped(Trained trained) { }

    /// <summary>The final summary, after every stage completed (or one stopped, if <see cref="ReportsStoppedRuns"/>).</summary>
    void Report(IReadOnlyList<Trained> trained);
}

/// <summary>What a run gets when it starts: where to write, the run's files, and the checkpoint a --resume names.</summary>
internal sealed class RunContext(RunConsole console, RunOutput output, SessionOptions session)
{
    /// <summary>Where the run's text goes.</summary>
    public RunConsole Console { get; } = console;

    /// <summary>The run's log and output folder.</summary>
    public RunOutput Output { get; } = output;

    /// <summary>The checkpoint a --resume continues, or null.</summary>
    public string? Resume => session.Resume;

    /// <summary>
    /// The run info of the --resume checkpoint, checked against <paramref name="mustMatch"/>, without loading its
    /// tensors (for a multi-stage run, which reads its stage before preparing it); null without --resume.
    /// </summary>
    public RunInfo? CheckpointInfo(string name, ImmutableSortedDictionary<string, string> mustMatch) =>
        session.Resume is { } resume ? Session.ReadInfo(resume, name, mustMatch) : null;
}

/// <summary>
/// An exercise command as declared: its name (also the folder its runs go under, <c>runs/&lt;name&gt;</c>) and its help
/// line, each stated once, and its <see cref="Flags"/>, which start with the <see cref="CommonOptions"/>; the command
/// adds its own flags, then builds itself with <see cref="ExerciseRunner.Command{TOptions}"/>.
/// </summary>
internal sealed class ExerciseCommand
{
    /// <param name="name">The command's name.</param>
    /// <param name="description">Its help line.</param>
    /// <param name="seed">Default seed.</param>
    /// <param name="epochs">Default epochs, or null for a command without epochs (and so without checkpoints).</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="log">Whether the command writes a <c>--log</c>.</param>
    public ExerciseCommand(string name, string description, long seed, int? epochs, double lr, bool log = true)
    {
        (Name, Description) = (name, description);
        Common = new CommonOptions(Flags, name, seed, epochs, lr, log);
    }

    /// <summary>The command's name.</summary>
    public string Name { get; }

    /// <summary>The command's help line.</summary>
    public string Description { get; }

    /// <summary>Every flag of the command, the common ones first, in the order the help lists them.</summary>
    public Flags Flags { get; } = new();

    /// <summary>The options every exercise has (seed, epochs, learning rate, the run's files).</summary>
    public CommonOptions Common { get; }
}

/// <summary>
/// The scaffold every exercise command shares, written once: read and validate the options, open the run's files,
/// prepare, resume from a checkpoint, train through a <see cref="Session"/> (checkpoints, Ctrl+C, divergence), render,
/// commit the log, report, and the exit code. A command file is its flags, its rendering and its report.
/// </summary>
internal static class ExerciseRunner
{
    /// <summary>
    /// The command <paramref name="declared"/>: its options read from its flags by <paramref name="read"/> (which
    /// validates them: an <see cref="OptionError"/> is told with its flag), and its run started by <paramref name="start"/>.
    /// </summary>
    public static Command Command<TOptions>(ExerciseCommand declared, Func<ParseResult, TOptions> read, Func<TOptions, RunContext, IExerciseRun> start,
        TextWriter stdout, TextWriter stderr) =>
        declared.Flags.Command(declared.Name, declared.Description, (r, cancel) =>
        {
            var common = declared.Common;
            var options = read(r);
            StartupTrace.Mark("options read");
            var session = common.Session(r);
            using var output = common.Output(r);
            var quiet = r.GetValue(common.Quiet);
            // Messages from the run (a checkpoint warning, the interrupt's resume command) wait for a live bar to stop.
            var errors = new HeldLines(stderr);
            // The summary's lines after the plots started drawing wait for the files (see the report below).
            var summary = new GatedLines(stdout);
            var console = new RunConsole(quiet ? TextWriter.Null : stdout, summary, errors);
            var trained = new List<Trained>();
            try
            {
                using var run = start(options, new RunContext(console, output, session));
                StartupTrace.Mark("prepared");
                if (run.Bar is { } bar)
                    Progress.Run(stderr, quiet, bar.Label, bar.Total, bar.Unit, report => TrainAll(run, report, session, output, console, CommonOptions.RepeatCommand(r), trained, cancel));
                else
                    TrainAll(run, (_, _) => { }, session, output, console, CommonOptions.RepeatCommand(r), trained, cancel);
                StartupTrace.Mark("trained");
                // What training freed goes back to the system before the run draws its plots and report, so the
                // drawing does not stack on top of it (an MNIST epoch: docs/perf.md).
                NativeMemory.Release();
                StartupTrace.Mark("memory released");
                // The plots the report saves are drawn in the background while the log is committed and report.html is
                // made from it (on two cores, side by side); report.html waits for them before it lists the folder's
                // plots, and the summary's lines from the first plot on are printed once they are all drawn.
                Exception? drawingFailed;
                using (var drawings = Rendering.Charts.Defer(summary.Hold))
                {
                    try
                    {
                        if (trained.All(t => t.Completed) || run.ReportsStoppedRuns) run.Report(trained);
                    }
                    finally
                    {
                        StartupTrace.Mark("reported");
                        output.Commit(); // the log is kept however the run ended
                        StartupTrace.Mark("log committed");
                        Reports.RunReport.WriteAtEnd(output.OutDir, console, () => drawings.Wait());
                        drawingFailed = drawings.Wait(); // the drawings have ended: this reads how
                        if (drawingFailed is null) summary.Release();
                        else summary.Discard();
                        StartupTrace.Mark("report.html written");
                    }
                }
                if (drawingFailed is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(drawingFailed);
                return ExitCode(trained);
            }
            finally
            {
                foreach (var t in trained) t.Final.Dispose();
            }
        });

    // Every call into Session is here: resume the first stage that resumes, train each until one stops.
    private static int TrainAll(IExerciseRun run, ReportProgress progress, SessionOptions session, RunOutput output, RunConsole console, string repeat,
        List<Trained> trained, CancellationToken cancel)
    {
        var resume = session.Resume is not null;
        foreach (var stage in run.Stages(progress))
        {
            var exerciseRun = new ExerciseRun(stage.Name, stage.Trainer, stage.Initial, stage.Plan, stage.MustMatch)
            {
                Stage = stage.Record, Part = stage.Part, StepOffset = stage.StepOffset ?? trained.Sum(t => t.Final.Step),
            };
            if (resume && stage.Resumes)
            {
                exerciseRun = Session.Resume(exerciseRun, session, output, console.Summary);
                // The folder made ready (the log cut back to the checkpoint) as Train would, then what it held recalled.
                output.Begin(exerciseRun, console.Errors);
                foreach (var e in output.LoggedEvents(stage.Part)) run.Recall(e);
                resume = false;
            }
            var result = Session.Train(exerciseRun, session, output, console.Errors, repeat, stage.DivergenceHint, e => run.Render(e, progress), cancel);
            var t = new Trained(stage, result);
            trained.Add(t);
            run.Stopped(t);
            if (!t.Completed) break;
        }
        return 0;
    }

    /// <summary>
    /// The run's exit code: a stopped stage's (130 interrupted, 3 diverged); else the first stage whose checkpoint
    /// could not be written (1); else 0.
    /// </summary>
    internal static int ExitCode(IReadOnlyList<Trained> trained) =>
        trained.Count > 0 && !trained[^1].Completed
            ? trained[^1].Result.ExitCode
            : trained.Select(t => t.Result.ExitCode).FirstOrDefault(c => c != ExitCodes.Ok, ExitCodes.Ok);
}
