using System.Collections.Immutable;
using System.Globalization;
using Functional.Model;
using Functional.Training;
using Functional.Formats;
using Functional.Training.Checkpoints;

namespace Functional.Shell;

/// <summary>A prepared training run of one exercise, as the shell hands it to <see cref="Session"/>.</summary>
/// <param name="Exercise">Command name; checkpoints record it and a resume must match it.</param>
/// <param name="Trainer">The step: a single model's or an ensemble's.</param>
/// <param name="Initial">The starting state (owned by the run).</param>
/// <param name="Plan">Epochs, data and evaluation.</param>
/// <param name="Options">The options a resumed run must share with the checkpoint (everything but epochs and output paths).</param>
internal sealed record ExerciseRun(string Exercise, ITrainer Trainer, TrainState Initial, RunPlan Plan, ImmutableSortedDictionary<string, string> Options)
{
    /// <summary>A multi-stage run's stage record, asked for at every checkpoint (<see cref="RunInfo.Stage"/>); null for one-stage runs.</summary>
    public Func<string>? Stage { get; init; }

    /// <summary>Optimizer steps the run's earlier trainings took (an XOR suite's earlier stages): checkpoints are named by the run's global step, this plus the state's.</summary>
    public long StepOffset { get; init; }

    /// <summary>Which training of a run made of several this is (from 1; logged with every epoch), or null for a run of one.</summary>
    public int? Part { get; init; }
}

/// <summary>How a session checkpoints and resumes.</summary>
internal sealed record SessionOptions(string? Resume, int CheckpointEvery);

/// <summary>How a session ended: the final event, whose state the caller now owns, and the exit code.</summary>
internal sealed record SessionResult(Finished Finished, int ExitCode, string? CheckpointPath);

/// <summary>
/// Runs an exercise's training with the reliability every command shares: resume from a checkpoint (checked whole
/// before anything reaches libtorch), a checkpoint every N epochs and at the end, a checkpoint and a resume hint on
/// Ctrl+C (exit 130), a clear stop on divergence (exit 3) naming the last good checkpoint of this run, and a stop with
/// a checkpoint when the log cannot be written (exit 1). Holds no training logic: the loop is the core's; the files are
/// <see cref="RunOutput"/>'s.
/// </summary>
internal static class Session
{
    /// <summary>
    /// Reads the resume checkpoint (if any) and returns the run to execute: the loaded state and start position, or
    /// <paramref name="run"/> unchanged. Every tensor, number and blob of the checkpoint is checked against this run
    /// first; any mismatch is one line and exit 2, and the run's files are left as they are.
    /// </summary>
    public static ExerciseRun Resume(ExerciseRun run, SessionOptions options, RunOutput output, TextWriter stdout)
    {
        if (options.Resume is null) return run;
        var checkpoint = output.ResumeCheckpoint ?? RunFolder.ResolveResume(options.Resume, run.Exercise).Checkpoint;
        var name = RunFolder.Display(checkpoint);
        var files = RunFolder.ReadCheckpoint(checkpoint, DataBytes(run.Initial.Params.Values), DataBytes(run.Initial.Optimizer.Tensors.Select(t => t.Value)));
        var restored = Checkpoint.Deserialize(files, name, run.Exercise, run.Trainer, run.Initial);
        try
        {
            RequireNamedStep(checkpoint, restored.Info);
            if (run.StepOffset + restored.State.Step != restored.Info.Step)
                throw new InvalidDataException($"{name}: its step {restored.Info.Step} and its state's {restored.State.Step} do not agree for this run");
            RequireSameOptions(restored.Info, run.Options, options.Resume);
            RequirePosition(restored.Info.Next, run.Plan, restored.State.Rng, options.Resume);
        }
        catch
        {
            restored.State.Dispose();
            throw;
        }
        run.Initial.Dispose();
        stdout.WriteLine($"resuming at epoch {restored.Info.Next.Epoch}, batch {restored.Info.Next.Batch}");
        return run with { Initial = restored.State, Plan = run.Plan with { Start = restored.Info.Next } };
    }

    /// <summary>
    /// The run info of the resume checkpoint, its options checked against <paramref name="runOptions"/>, without loading
    /// its tensors: a multi-stage run reads its stage here before preparing the stage's run for <see cref="Resume"/>.
    /// </summary>
    public static RunInfo ReadInfo(string resume, string exercise, ImmutableSortedDictionary<string, string> runOptions)
    {
        var checkpoint = RunFolder.ResolveResume(resume, exercise).Checkpoint;
        var info = Checkpoint.ReadInfo(RunFolder.ReadMetadata(checkpoint), RunFolder.Display(checkpoint), exercise);
        RequireNamedStep(checkpoint, info);
        RequireSameOptions(info, runOptions, resume);
        return info;
    }

    private static long DataBytes(IEnumerable<TorchSharp.torch.Tensor> tensors) => tensors.Sum(t => t.numel() * t.ElementSize);

    private static void RequireNamedStep(string checkpoint, RunInfo info)
    {
        if (Path.GetFileName(checkpoint) != RunFolder.CheckpointName(info.Step))
            throw new InvalidDataException($"{RunFolder.Display(checkpoint)}: holds the checkpoint of step {info.Step}, not the one its name says");
    }

    private static void RequireSameOptions(RunInfo info, ImmutableSortedDictionary<string, string> runOptions, string resume)
    {
        var mismatch = runOptions.FirstOrDefault(o => !info.Options.TryGetValue(o.Key, out var v) || v != o.Value);
        if (mismatch.Key is null) return;
        // An option the checkpoint lacks is one added to the run's identity after it was made (e.g. the XOR Data
        // stream): what it trained on is not known to be what this run would, so it is refused, not assumed.
        if (!info.Options.TryGetValue(mismatch.Key, out var saved))
            throw new UsageException($"--resume {resume}: the checkpoint predates the {mismatch.Key} option (made by an older version), "
                                     + $"so it is not known to match this run's {mismatch.Key} {mismatch.Value}; start a new run");
        throw new UsageException($"--resume {resume}: the checkpoint was made with {mismatch.Key} {saved}, this run has {mismatch.Value}");
    }

    // The position must lie inside this run: an epoch it has, a batch that epoch has (counted by drawing the epoch's
    // data from the checkpoint's Rng, as the loop will; the draw is pure and its tensors are freed here).
    private static void RequirePosition(Position next, RunPlan plan, Rng rng, string resume)
    {
        // A checkpoint at the very end of the training (its process was stopped, e.g. killed, while finishing up)
        // resumes to finish up: nothing is trained, the results and the log's end are written.
        if (next.Epoch == plan.Epochs + 1 && next.Batch == 0) return;
        if (next.Epoch > plan.Epochs)
            throw new UsageException($"--resume {resume}: the checkpoint is already past epoch {plan.Epochs}; pass a larger --epochs to train on");
        int batches;
        using (TorchSharp.torch.NewDisposeScope())
            batches = plan.Data(next.Epoch, rng).Batches.Count;
        if (next.Batch >= batches)
            throw new InvalidDataException($"--resume {resume}: the checkpoint continues at batch {next.Batch} of epoch {next.Epoch}, but an epoch of this run has {batches} batches");
    }

    /// <summary>
    /// Trains <paramref name="run"/> (already passed through <see cref="Resume"/>), logging and rendering each event.
    /// The run's folder is made (or, resumed, locked and its log cut back) here, as training begins. The caller commits
    /// the log (however the run ended) and disposes the returned final state.
    /// </summary>
    public static SessionResult Train(ExerciseRun run, SessionOptions options, RunOutput output, TextWriter stderr, string resumeCommand,
        string divergenceHint, Action<TrainEvent> render, CancellationToken cancel)
    {
        output.Begin(run, stderr);
        output.Part = run.Part;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // A log that cannot be written stops the run as Ctrl+C does: after the current step, with a checkpoint.
        output.Failed = stop.Cancel;
        if (output.Failure is not null) stop.Cancel();
        string? lastCheckpoint = null;
        string? Save(TrainState state, Position next)
        {
            var info = new RunInfo(run.Exercise, run.Trainer.Spec, run.Trainer.Optimizer, next, run.Options)
            {
                Stage = run.Stage?.Invoke(),
                Step = run.StepOffset + state.Step,
            };
            return output.SaveCheckpoint(state, info, stderr) is { } path ? lastCheckpoint = path : null;
        }

        Finished finished;
        try
        {
            finished = Driver.Drive(Loop.Run(run.Trainer, run.Initial, run.Plan, stop.Token), output, e =>
            {
                if (e is EpochEnd end && options.CheckpointEvery > 0 && (end.Next.Epoch - 1) % options.CheckpointEvery == 0)
                    Save(end.State, end.Next);
                render(e);
            });
        }
        finally
        {
            output.Failed = null;
        }
        var inv = CultureInfo.InvariantCulture;
        var where = $"epoch {finished.Next.Epoch}, batch {finished.Next.Batch}";
        var resume = output.OutDir is { } folder ? $"resume with: {resumeCommand} --resume {CommonOptions.ShellQuote(RunFolder.Display(folder))}" : "";
        if (output.Failure is { } failure)
        {
            var saved = Save(finished.State, finished.Next);
            output.Ended("failed");
            stderr.WriteLine($"error: the log could not be written ({failure}); stopped at {where}; "
                             + (saved is null ? "no checkpoint could be written either" : $"checkpoint saved to {RunFolder.Display(saved)} with the events the log lacks; {resume}"));
            return new SessionResult(finished, ExitCodes.Failure, saved is null ? null : RunFolder.Display(saved));
        }
        switch (finished.Reason)
        {
            case StopReason.Completed:
                // The run itself is done (log and results follow), but a caller relying on the checkpoint must hear it is missing.
                var final = Save(finished.State, finished.Next);
                output.Ended("completed");
                // (A walkthrough with no run folder writes none, and is not missing one.)
                return new SessionResult(finished, final is null && output.OutDir is not null ? ExitCodes.Failure : ExitCodes.Ok, final is null ? null : RunFolder.Display(final));
            case StopReason.Cancelled:
                var saved = Save(finished.State, finished.Next);
                output.Ended("interrupted");
                var previous = saved is null ? output.NewestCheckpoint() : null;
                stderr.WriteLine(saved is not null
                    ? $"interrupted at {where}; checkpoint saved to {RunFolder.Display(saved)}; {resume}"
                    : previous is not null
                        ? $"interrupted at {where}; its checkpoint could not be written, the previous one is {RunFolder.Display(previous)}; {resume}"
                        : $"interrupted at {where}; no checkpoint {(output.OutDir is null ? "(no run folder)" : "could be written")}");
                return new SessionResult(finished, ExitCodes.Interrupted, (saved ?? previous) is { } at ? RunFolder.Display(at) : null);
            case StopReason.Diverged diverged:
                output.Ended("diverged");
                var last = diverged.LastFiniteLoss is { } l ? $"last finite loss {l.ToString("G6", inv)}" : "no finite loss before it";
                // Only this run's own checkpoints are spoken of: its folder holds no other run's.
                var kept = lastCheckpoint ?? output.NewestCheckpoint();
                stderr.WriteLine($"diverged: the loss became non-finite at epoch {finished.Next.Epoch}, step {finished.Next.Batch - 1} of the epoch ({last}); "
                                 + (kept is null ? "no checkpoint kept" : $"last good checkpoint kept at {RunFolder.Display(kept)}") + $"; {divergenceHint}");
                return new SessionResult(finished, ExitCodes.Diverged, kept is null ? null : RunFolder.Display(kept));
            default:
                throw new InvalidOperationException($"unknown stop reason {finished.Reason}");
        }
    }
}
