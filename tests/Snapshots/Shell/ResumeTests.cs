using System.Text.Json.Nodes;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>An interrupted run, resumed from its checkpoint, gives the same log and final params as an uninterrupted one.</summary>
public sealed class ResumeTests
{
    /// <summary>The newest complete checkpoint of a run folder.</summary>
    internal static string NewestCheckpoint(string runDir) =>
        Directory.GetDirectories(Path.Combine(runDir, "checkpoints"), "step-*").Order(StringComparer.Ordinal).Last();

    /// <summary>The tensor data of the run's newest model.safetensors (the params, bit for bit).</summary>
    internal static byte[] ParamsBytes(string runDir)
    {
        var bytes = File.ReadAllBytes(Path.Combine(NewestCheckpoint(runDir), "model.safetensors"));
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        return bytes[(8 + headerLength)..];
    }

    /// <summary>Asserts that the run in <paramref name="dir"/> ended as the uninterrupted one in <paramref name="reference"/>: the same events, metrics and final params.</summary>
    internal static void AssertSameRun(string reference, string dir)
    {
        Assert.Equal(Events(Path.Combine(reference, "log.jsonl")), Events(Path.Combine(dir, "log.jsonl")));
        Assert.Equal(File.ReadAllLines(Path.Combine(reference, "metrics.csv")), File.ReadAllLines(Path.Combine(dir, "metrics.csv")));
        Assert.Equal(ParamsBytes(reference), ParamsBytes(dir));
    }

    /// <summary>A log's event lines: every line after its header (the header names the command and start time of the run's first part).</summary>
    internal static string[] Events(string log)
    {
        var lines = File.ReadAllLines(log);
        Assert.StartsWith("{\"event\":\"header\"", lines[0]);
        Assert.DoesNotContain(lines.Skip(1), l => l.Contains("\"header\""));
        return lines[1..];
    }

    [Fact]
    public void Logic_stopped_at_an_epoch_and_resumed_equals_the_uninterrupted_run()
    {
        var dir = ShellRunner.TempDir();
        string[] common = ["logic", "--seed", "4", "-q"];
        var full = ShellRunner.Run([.. common, "--epochs", "60", "--log", $"{dir}/full.jsonl", "--out", $"{dir}/full"]);
        Assert.Equal(0, full.ExitCode);
        Assert.Equal(0, ShellRunner.Run([.. common, "--epochs", "25", "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part"]).ExitCode);
        var resumed = ShellRunner.Run([.. common, "--epochs", "60", "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part", "--resume", $"{dir}/part"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("resuming at epoch 26, batch 0", resumed.Stdout);
        Assert.Equal(Events($"{dir}/full.jsonl"), Events($"{dir}/part.jsonl"));
        Assert.Equal(File.ReadAllText($"{dir}/part/log.jsonl"), File.ReadAllText($"{dir}/part.jsonl"));
        Assert.Equal(ParamsBytes($"{dir}/full"), ParamsBytes($"{dir}/part"));
    }

    [Fact]
    public void A_run_stopped_after_its_last_epoch_resumes_to_finish_up_without_training_again()
    {
        var dir = ShellRunner.TempDir();
        string[] run = ["logic", "--seed", "4", "--epochs", "20", "--out", $"{dir}/run"];
        var first = ShellRunner.Run(run);
        Assert.Equal(0, first.ExitCode);
        var events = Events($"{dir}/run/log.jsonl");
        // As a kill -9 right after the final checkpoint leaves it: the log without what follows the training (its end).
        var log = File.ReadAllLines($"{dir}/run/log.jsonl");
        Assert.StartsWith("{\"event\":\"end\"", log[^1]);
        File.WriteAllLines($"{dir}/run/log.jsonl", log[..^1]);
        var resumed = ShellRunner.Run([.. run, "--resume", $"{dir}/run"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming at epoch 21, batch 0", resumed.Stdout);
        Assert.Contains("/4 rows correct", resumed.Stdout); // the results are written after all
        Assert.Equal(events, Events($"{dir}/run/log.jsonl")); // no event twice, none missing
        var further = ShellRunner.Run(["logic", "--seed", "4", "--epochs", "19", "--out", $"{dir}/run", "--resume", $"{dir}/run"]);
        Assert.Equal(2, further.ExitCode);
        Assert.Contains("the checkpoint is already past epoch 19", further.Stderr);
    }

    /// <summary>Cancels (as Ctrl+C does) as soon as a given text is written: a deterministic interrupt point.</summary>
    private sealed class CancelOn(string trigger, CancellationTokenSource cts) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger) == true) cts.Cancel();
        }
    }

    [Fact]
    public async Task Logic_cancelled_like_ctrl_c_exits_130_and_resumes_to_the_same_log()
    {
        var dir = ShellRunner.TempDir();
        string[] common = ["logic", "--seed", "8", "--epochs", "300"];
        var full = ShellRunner.Run([.. common, "--log", $"{dir}/full.jsonl", "--out", $"{dir}/full"]);
        Assert.Equal(0, full.ExitCode);
        using var cts = new CancellationTokenSource();
        var stderrWriter = new StringWriter();
        var code = await Functional.Shell.Cli.RunAsync([.. common, "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part"],
            new CancelOn("epoch  100/300", cts), stderrWriter, cts.Token);
        var interrupted = new ShellRunner.Result(code, "", stderrWriter.ToString());
        Assert.Equal(130, interrupted.ExitCode);
        Assert.Contains($"interrupted at epoch 101, batch 0; checkpoint saved to {dir}/part/checkpoints/step-000000400; resume with: ", interrupted.Stderr);
        Assert.EndsWith($" --resume {dir}/part", interrupted.Stderr.TrimEnd());
        Assert.True(File.ReadAllLines($"{dir}/part.jsonl").Length < File.ReadAllLines($"{dir}/full.jsonl").Length);
        Assert.Equal("{\"event\":\"end\",\"outcome\":\"interrupted\"}", File.ReadAllLines($"{dir}/part/log.jsonl")[^1]);
        var resumed = ShellRunner.Run([.. common, "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part", "--resume", $"{dir}/part"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(Events($"{dir}/full.jsonl"), Events($"{dir}/part.jsonl"));
        Assert.Equal(ParamsBytes($"{dir}/full"), ParamsBytes($"{dir}/part"));
    }

    public static TheoryData<string, string, int, int> Exercises => new()
    {
        { "logic", "--gate or --hidden 3", 40, 15 },
        { "regression", "--preset split", 30, 11 },
        { "regression", "--preset loader", 3, 1 },
        { "blobs", "", 50, 20 },
        { "xor", "--activation tanh --center", 2, 1 },
        { "mnist", "--limit 300", 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Exercises))]
    public void Stopped_after_some_epochs_and_resumed_equals_the_uninterrupted_run(string exercise, string options, int epochs, int stopAt)
    {
        var dir = ShellRunner.TempDir();
        string[] common = [exercise, .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--seed", "3", "-q"];
        var full = ShellRunner.Run([.. common, "--epochs", $"{epochs}", "--log", $"{dir}/full.jsonl", "--out", $"{dir}/full"]);
        Assert.True(full.ExitCode == 0, full.Stderr);
        var part = ShellRunner.Run([.. common, "--epochs", $"{stopAt}", "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part"]);
        Assert.True(part.ExitCode == 0, part.Stderr);
        var resumed = ShellRunner.Run([.. common, "--epochs", $"{epochs}", "--log", $"{dir}/part.jsonl", "--resume", $"{dir}/part"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resuming at epoch {stopAt + 1}, batch 0", resumed.Stdout);
        Assert.Equal(Events($"{dir}/full.jsonl"), Events($"{dir}/part.jsonl"));
        Assert.Equal(File.ReadAllLines($"{dir}/full/metrics.csv"), File.ReadAllLines($"{dir}/part/metrics.csv"));
        Assert.Equal(ParamsBytes($"{dir}/full"), ParamsBytes($"{dir}/part"));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Resume_with_other_options_is_refused_with_one_line()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("logic", "-q", "--epochs", "5", "--out", dir).ExitCode);
        var r = ShellRunner.Run("logic", "-q", "--epochs", "9", "--gate", "or", "--resume", dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: --resume {dir}: the checkpoint was made with Gate and, this run has or", r.Stderr.Trim());
    }

    /// <summary>Edits the run options stored in a run's newest checkpoint.json (as an older version would have written them).</summary>
    private static void EditCheckpointOptions(string runDir, Action<JsonObject> edit)
    {
        var path = Path.Combine(NewestCheckpoint(runDir), "checkpoint.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json["options"]!.AsObject());
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void An_xor_checkpoint_made_before_the_data_stream_was_an_option_is_refused_with_one_line()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("xor", "-q", "--epochs", "1", "--out", dir).ExitCode);
        EditCheckpointOptions(dir, o => Assert.True(o.Remove("Data")));
        var r = ShellRunner.Run("xor", "-q", "--epochs", "2", "--resume", dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: --resume {dir}: the checkpoint predates the Data option (made by an older version), "
                     + "so it is not known to match this run's Data Python; start a new run", r.Stderr.Trim());
    }

    [Fact]
    public void An_xor_checkpoint_on_torch_data_does_not_resume_on_python_data()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("xor", "-q", "--epochs", "1", "--data", "torch", "--out", dir).ExitCode);
        var r = ShellRunner.Run("xor", "-q", "--epochs", "2", "--resume", dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: --resume {dir}: the checkpoint was made with Data Torch, this run has Python", r.Stderr.Trim());
        Assert.Equal(0, ShellRunner.Run("xor", "-q", "--epochs", "2", "--data", "torch", "--resume", dir).ExitCode);
    }
}
