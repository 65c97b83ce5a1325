using System.Collections.Immutable;
using System.Globalization;
using Functional.Model;
using Functional.Training;
using Functional.Formats;
using Functional.Training.Checkpoints;

namespace Functional.Shell;

/// <summary>A prepared training run of one exercise, as the shell hands it to <see cref="Session"/>.</summary>
/// <param name="Exercise">Command name; names the checkpoint file.</param>
/// <param name="Trainer">The step: a single model's or an ensemble's.</param>
/// <param name="Initial">The starting state (owned by the run).</param>
/// <param name="Plan">Epochs, data and evaluation.</param>
/// <param name="Options">The options a resumed run must share with the checkpoint (everything but epochs and output paths).</param>
internal sealed record ExerciseRun(string Exercise, ITrainer Trainer, TrainState Initial, RunPlan Plan, ImmutableSortedDictionary<string, string> Options)
{
    /// <summary>A multi-stage run's stage record, asked for at every checkpoint (<see cref="RunInfo.Stage"/>); null for one-stage runs.</summary>
    public Func<string>? Stage { get; init; }
}

/// <summary>How a session checkpoints and resumes.</summary>
internal sealed record SessionOptions(string? Resume, int CheckpointEvery);

/// <summary>How a session ended: the final event, whose state the caller now owns, and the exit code.</summary>
internal sealed record SessionResult(Finished Finished, int ExitCode, string? CheckpointPath);

/// <summary>
/// Runs an exercise's training with the reliability every command shares: resume from a checkpoint, a checkpoint every
/// N epochs and at the end, a checkpoint and a resume hint on Ctrl+C (exit 130), a clear stop on divergence (exit 3)
/// keeping the last good checkpoint. Holds no training logic: the loop is the core's.
/// </summary>
internal static class Session
{
    /// <summary>The params checkpoint path of <paramref name="exercise"/> in <paramref name="outDir"/>.</summary>
    public static string CheckpointPath(string outDir, string exercise) => Path.Combine(outDir, $"{exercise}.safetensors");

    /// <summary>The optimizer-state sibling of a params checkpoint.</summary>
    public static string OptimizerPath(string checkpoint) =>
        Path.Combine(Path.GetDirectoryName(checkpoint)!, Path.GetFileNameWithoutExtension(checkpoint) + ".optim.safetensors");

    /// <summary>
    /// Reads the resume checkpoint (if any) and returns the run to execute: the loaded state and start position, or
    /// <paramref name="run"/> unchanged. A resumed run's log starts with the existing log's events before that position.
    /// </summary>
    public static ExerciseRun Resume(ExerciseRun run, SessionOptions options, RunOutput output, TextWriter stdout)
    {
        if (options.Resume is null) return run;
        var (bytes, name) = ReadFiles(options.Resume);
        var restored = Checkpoint.Deserialize(bytes, name, run.Exercise, run.Trainer);
        try
        {
            RequireSameOptions(restored.Info, run.Options, options.Resume);
            RequireSameShapes(restored.State.Params, run.Initial.Params, options.Resume);
            if (restored.Info.Next.Epoch > run.Plan.Epochs)
                throw new UsageException($"--resume {options.Resume}: the checkpoint is already past epoch {run.Plan.Epochs}; pass a larger --epochs to train on");
        }
        catch
        {
            restored.State.Dispose();
            throw;
        }
        run.Initial.Dispose();
        stdout.WriteLine($"resuming at epoch {restored.Info.Next.Epoch}, batch {restored.Info.Next.Batch}");
        output.ContinueFrom(restored.Info.Next);
        return run with { Initial = restored.State, Plan = run.Plan with { Start = restored.Info.Next } };
    }

    /// <summary>
    /// The run info of the resume checkpoint, its options checked against <paramref name="runOptions"/>, without loading
    /// its tensors: a multi-stage run reads its stage here before preparing the stage's run for <see cref="Resume"/>.
    /// </summary>
    public static RunInfo ReadInfo(string resume, string exercise, ImmutableSortedDictionary<string, string> runOptions)
    {
        var (bytes, name) = ReadFiles(resume);
        var info = Checkpoint.ReadInfo(bytes, name, exercise);
        RequireSameOptions(info, runOptions, resume);
        return info;
    }

    private static (CheckpointBytes Bytes, string Name) ReadFiles(string resume)
    {
        var path = Path.GetFullPath(resume);
        if (!File.Exists(path)) throw new UsageException($"--resume {resume}: no such file");
        var optim = OptimizerPath(path);
        if (!File.Exists(optim))
        {
            // Say what is wrong with the file itself first: a stray file is "not a checkpoint", not "missing its sibling".
            SafeTensors.Deserialize(File.ReadAllBytes(path), Path.GetFileName(path));
        }
        if (!File.Exists(optim)) throw new UsageException($"--resume {resume}: its optimizer state {Path.GetFileName(optim)} is missing beside it");
        try
        {
            return (new CheckpointBytes(File.ReadAllBytes(path), File.ReadAllBytes(optim)), Path.GetFileName(path));
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new UsageException($"--resume {resume}: cannot read ({e.Message})");
        }
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

    // The spec check compares layer sizes; an ensemble's params also carry the member count, which only the shapes show.
    private static void RequireSameShapes(Params restored, Params expected, string resume)
    {
        foreach (var ((name, a), b) in restored.Items.Zip(expected.Values))
            if (!a.shape.SequenceEqual(b.shape))
                throw new UsageException($"--resume {resume}: its '{name}' has shape [{string.Join(", ", a.shape)}], this run's is [{string.Join(", ", b.shape)}]");
    }

    /// <summary>
    /// Trains <paramref name="run"/> (already passed through <see cref="Resume"/>), logging and rendering each event.
    /// The caller commits the log (however the run ended) and disposes the returned final state.
    /// </summary>
    public static SessionResult Train(ExerciseRun run, SessionOptions options, RunOutput output, TextWriter stderr, string resumeCommand,
        string divergenceHint, Action<TrainEvent> render, CancellationToken cancel)
    {
        string? lastCheckpoint = null;
        string? Save(TrainState state, Position next)
        {
            var path = output.OutFile($"{run.Exercise}.safetensors");
            if (path is null) return null;
            var info = new RunInfo(run.Exercise, run.Trainer.Spec, run.Trainer.Optimizer, next, run.Options) { Stage = run.Stage?.Invoke() };
            var bytes = Checkpoint.Serialize(state, info);
            try
            {
                // The sibling first: a crash between the two renames leaves an id mismatch that loading detects.
                AtomicFile.Write(OptimizerPath(path), bytes.Optimizer);
                AtomicFile.Write(path, bytes.Params);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk must not cost the run: keep training (and the previous checkpoint, untouched by the atomic write).
                stderr.WriteLine($"warning: checkpoint not written ({e.Message.ReplaceLineEndings(" ")}); "
                                 + (lastCheckpoint is null ? "no earlier checkpoint" : $"the previous one is kept at {lastCheckpoint}"));
                return null;
            }
            return lastCheckpoint = path;
        }

        var finished = Driver.Drive(Loop.Run(run.Trainer, run.Initial, run.Plan, cancel), output, e =>
        {
            if (e is EpochEnd end && options.CheckpointEvery > 0 && (end.Next.Epoch - 1) % options.CheckpointEvery == 0)
                Save(end.State, end.Next);
            render(e);
        });
        var inv = CultureInfo.InvariantCulture;
        switch (finished.Reason)
        {
            case StopReason.Completed:
                // The run itself is done (log and results follow), but a caller relying on the checkpoint must hear it is missing.
                var final = Save(finished.State, finished.Next);
                return new SessionResult(finished, final is null && output.OutDir is not null ? ExitCodes.Failure : ExitCodes.Ok, final);
            case StopReason.Cancelled:
                var saved = Save(finished.State, finished.Next);
                stderr.WriteLine(saved is null
                    ? $"interrupted at epoch {finished.Next.Epoch}, batch {finished.Next.Batch}; no output folder, so no checkpoint was written"
                    : $"interrupted at epoch {finished.Next.Epoch}, batch {finished.Next.Batch}; checkpoint saved to {saved}; resume with: {resumeCommand} --resume {CommonOptions.ShellQuote(saved)}");
                return new SessionResult(finished, ExitCodes.Interrupted, saved);
            case StopReason.Diverged diverged:
                var last = diverged.LastFiniteLoss is { } l ? $"last finite loss {l.ToString("G6", inv)}" : "no finite loss before it";
                var kept = lastCheckpoint ?? (output.OutDir is { } dir && File.Exists(CheckpointPath(dir, run.Exercise)) ? CheckpointPath(dir, run.Exercise) : null);
                stderr.WriteLine($"diverged: the loss became non-finite at epoch {finished.Next.Epoch}, step {finished.Next.Batch - 1} of the epoch ({last}); "
                                 + (kept is null ? "no checkpoint kept" : $"last good checkpoint kept at {kept}") + $"; {divergenceHint}");
                return new SessionResult(finished, ExitCodes.Diverged, kept);
            default:
                throw new InvalidOperationException($"unknown stop reason {finished.Reason}");
        }
    }
}
