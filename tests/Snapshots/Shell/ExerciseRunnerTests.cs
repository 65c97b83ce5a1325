using System.CommandLine;
using Functional.Model;
using Functional.Shell;
using Functional.Shell.Rendering;
using Functional.Training;
using Functional.Training.Exercises;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// What every exercise command gets from <see cref="ExerciseRunner"/>, tested once on a small exercise made for the
/// test (one or two trainings of the AND gate): option errors told with the flag, --quiet, the order of trainings,
/// resume, the report, the log, exit codes and the final states' disposal.
/// </summary>
public sealed class ExerciseRunnerTests
{
    /// <summary>How the test exercise behaves, and what it saw.</summary>
    private sealed class Script
    {
        public int Trainings { get; init; } = 2;
        public bool ReportsStoppedRuns { get; init; }
        public (int Training, int Epoch)? CancelAt { get; init; }
        public CancellationTokenSource Cancel { get; } = new();
        public List<string> Calls { get; } = [];
        public List<TrainState> Finals { get; } = [];
    }

    private sealed record FakeOptions(int Epochs, double Lr, long Seed);

    private sealed class FakeRun(FakeOptions o, RunContext context, Script script) : IExerciseRun
    {
        private readonly List<IDisposable> _prepared = [];
        private int _training;

        public bool ReportsStoppedRuns => script.ReportsStoppedRuns;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            context.Console.Progress.WriteLine("introduction");
            for (_training = 1; _training <= script.Trainings; _training++)
            {
                script.Calls.Add($"training {_training}");
                var setup = Logic.Prepare(new LogicOptions(Epochs: o.Epochs, Lr: o.Lr, Seed: o.Seed + _training));
                _prepared.Add(setup);
                yield return Stage.Of(_training == 1 ? "fake" : $"fake-{_training}", setup,
                    ResumeOptions.Of((nameof(o.Lr), o.Lr), (nameof(o.Seed), o.Seed))) with { Resumes = _training == 1 };
            }
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (e is not EpochEvent ep) return;
            context.Console.Progress.WriteLine($"training {_training} epoch {ep.Epoch}");
            if (script.CancelAt == (_training, ep.Epoch)) script.Cancel.Cancel();
        }

        public void Stopped(Trained trained)
        {
            script.Calls.Add($"stopped {_training}: {trained.Result.Finished.Reason.GetType().Name}");
            script.Finals.Add(trained.Final);
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            script.Calls.Add($"report of {trained.Count}");
            context.Console.Summary.WriteLine("summary");
            context.Output.WriteRaw("{\"event\":\"summary\"}");
        }

        public void Dispose()
        {
            script.Calls.Add("disposed");
            foreach (var p in _prepared) p.Dispose();
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(Script script, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var declared = new ExerciseCommand("fake", "a test exercise", seed: 1, epochs: 3, lr: 0.1);
        var common = declared.Common;
        var command = ExerciseRunner.Command(declared,
            r => new FakeOptions(Require.Positive("Epochs", r.GetValue(common.Epochs!)), Require.PositiveNumber("Lr", r.GetValue(common.Lr)), r.GetValue(common.Seed)),
            (o, context) => new FakeRun(o, context, script), stdout, stderr);
        var root = new RootCommand { command };
        var code = Cli.RunAsync(root, ["fake", .. args], stdout, stderr, script.Cancel.Token).GetAwaiter().GetResult();
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void An_option_error_from_the_options_check_is_one_line_naming_the_flag()
    {
        var script = new Script();
        var (code, _, stderr) = Run(script, "--lr", "0", "--out", ShellRunner.TempDir());
        Assert.Equal(2, code);
        Assert.Equal("error: --lr must be a positive number, got 0", stderr.Trim());
        Assert.Empty(script.Calls); // refused before anything was prepared
    }

    [Fact]
    public void Trainings_run_in_turn_then_the_report_then_the_log_is_committed_and_every_final_state_freed()
    {
        var dir = ShellRunner.TempDir();
        var script = new Script();
        var (code, stdout, stderr) = Run(script, "--out", $"{dir}/out", "--log", $"{dir}/log.jsonl");
        Assert.True(code == 0, stderr);
        Assert.Equal(["training 1", "stopped 1: Completed", "training 2", "stopped 2: Completed", "report of 2", "disposed"], script.Calls);
        // The summary ends with the line naming the report.html written into the run's folder.
        Assert.Equal(["introduction", .. Enumerable.Range(1, 3).Select(e => $"training 1 epoch {e}"), .. Enumerable.Range(1, 3).Select(e => $"training 2 epoch {e}"), "summary",
                $"report: {dir}/out/report.html"],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(File.Exists($"{dir}/out/report.html"));
        var log = File.ReadAllLines($"{dir}/log.jsonl");
        // The header, two trainings of 3 epochs of 4 steps and an epoch line, the report's line, the end.
        Assert.Equal(1 + 2 * 3 * (4 + 1) + 2, log.Length);
        Assert.StartsWith("{\"event\":\"header\"", log[0]);
        Assert.Equal("{\"event\":\"summary\"}", log[^2]);
        Assert.StartsWith("{\"event\":\"end\"", log[^1]);
        // Steps count on across the trainings, so the second's final checkpoint does not take the first's name.
        Assert.Equal(["step-000000012", "step-000000024"], Directory.GetDirectories($"{dir}/out/checkpoints").Select(Path.GetFileName).Order());
        Assert.All(script.Finals, f => Assert.All(f.Params.Values, t => Assert.True(t.IsInvalid)));
    }

    [Fact]
    public void Quiet_prints_only_the_final_summary()
    {
        var dir = ShellRunner.TempDir();
        var (code, stdout, _) = Run(new Script(), "-q", "--out", dir);
        Assert.Equal(0, code);
        Assert.Equal($"summary\nreport: {dir}/report.html", stdout.Trim());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_stopped_training_ends_the_run_with_its_exit_code_and_a_report_only_if_the_exercise_wants_one(bool reportsStoppedRuns)
    {
        var dir = ShellRunner.TempDir();
        var script = new Script { CancelAt = (1, 2), ReportsStoppedRuns = reportsStoppedRuns };
        var (code, stdout, stderr) = Run(script, "--out", $"{dir}/out", "--log", $"{dir}/log.jsonl");
        Assert.Equal(130, code);
        Assert.Contains("interrupted at epoch 3, batch 0; checkpoint saved to", stderr);
        Assert.Equal(["training 1", "stopped 1: Cancelled", .. reportsStoppedRuns ? new[] { "report of 1" } : [], "disposed"], script.Calls);
        Assert.Equal(reportsStoppedRuns, stdout.Contains("summary"));
        // Committed however it ended: the header, 2 epochs of 4 steps and an epoch line, the summary if reported, the end.
        Assert.Equal(1 + 2 * (4 + 1) + (reportsStoppedRuns ? 1 : 0) + 1, File.ReadAllLines($"{dir}/log.jsonl").Length);
        Assert.All(script.Finals, f => Assert.All(f.Params.Values, t => Assert.True(t.IsInvalid)));
    }

    [Fact]
    public void A_resume_continues_the_first_training_and_the_others_start_fresh()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, Run(new Script(), "--epochs", "1", "--out", $"{dir}/out").Code);
        var script = new Script();
        // The first training's own checkpoint (1 epoch of 4 steps); the run folder's newest is the second training's.
        var first = $"{dir}/out/checkpoints/step-000000004";
        var (code, stdout, stderr) = Run(script, "--epochs", "3", "--out", $"{dir}/out", "--resume", first);
        Assert.True(code == 0, stderr);
        Assert.Single(stdout.Split('\n'), l => l.StartsWith("resuming", StringComparison.Ordinal));
        Assert.Contains("resuming at epoch 2, batch 0", stdout);
        Assert.Equal(["training 1 epoch 2", "training 1 epoch 3", "training 2 epoch 1"], stdout.Split('\n').Where(l => l.StartsWith("training", StringComparison.Ordinal)).Take(3));
        // The first training now ends at step 12 (3 epochs); the second's steps count on from there.
        Assert.Equal(["step-000000012", "step-000000024"], Directory.GetDirectories($"{dir}/out/checkpoints").Select(Path.GetFileName).Order());
        var changed = Run(new Script(), "--epochs", "5", "--seed", "7", "--out", $"{dir}/out", "--resume", $"{dir}/out/checkpoints/step-000000012");
        Assert.Equal(2, changed.Code);
        Assert.True(changed.Stderr.Contains("the checkpoint was made with Seed 1, this run has 7"), changed.Stderr);
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_does_not_stop_the_run_but_its_exit_code_is_1()
    {
        var dir = ShellRunner.TempDir();
        Directory.CreateDirectory($"{dir}/out");
        File.WriteAllText($"{dir}/out/checkpoints", "in the way"); // no checkpoint folder can be made
        var script = new Script();
        var (code, stdout, stderr) = Run(script, "--out", $"{dir}/out");
        Assert.Equal(1, code);
        Assert.Contains("warning: checkpoint not written", stderr);
        Assert.Equal(["training 1", "stopped 1: Completed", "training 2", "stopped 2: Completed", "report of 2", "disposed"], script.Calls);
        Assert.Contains("summary", stdout);
    }
}
