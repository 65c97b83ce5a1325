using System.Text.Json.Nodes;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>An interrupted run, resumed from its checkpoint, gives the same log and final params as an uninterrupted one.</summary>
public sealed class ResumeTests
{
    internal static byte[] ParamsBytes(string checkpoint)
    {
        // The params file's tensor data; the header differs (checkpoint id) but the data section is the params.
        var bytes = File.ReadAllBytes(checkpoint);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        return bytes[(8 + headerLength)..];
    }

    [Fact]
    public void Logic_stopped_at_an_epoch_and_resumed_equals_the_uninterrupted_run()
    {
        var dir = ShellRunner.TempDir();
        string[] common = ["logic", "--seed", "4", "-q"];
        var full = ShellRunner.Run([.. common, "--epochs", "60", "--log", $"{dir}/full.jsonl", "--out", $"{dir}/full"]);
        Assert.Equal(0, full.ExitCode);
        Assert.Equal(0, ShellRunner.Run([.. common, "--epochs", "25", "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part"]).ExitCode);
        var resumed = ShellRunner.Run([.. common, "--epochs", "60", "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part", "--resume", $"{dir}/part/logic.safetensors"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("resuming at epoch 26, batch 0", resumed.Stdout);
        Assert.Equal(File.ReadAllText($"{dir}/full.jsonl"), File.ReadAllText($"{dir}/part.jsonl"));
        Assert.Equal(ParamsBytes($"{dir}/full/logic.safetensors"), ParamsBytes($"{dir}/part/logic.safetensors"));
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
        Assert.Contains("interrupted at epoch 101, batch 0; checkpoint saved to", interrupted.Stderr);
        Assert.Contains("--resume", interrupted.Stderr);
        Assert.True(File.ReadAllLines($"{dir}/part.jsonl").Length < File.ReadAllLines($"{dir}/full.jsonl").Length);
        var resumed = ShellRunner.Run([.. common, "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part", "--resume", $"{dir}/part/logic.safetensors"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(File.ReadAllText($"{dir}/full.jsonl"), File.ReadAllText($"{dir}/part.jsonl"));
        Assert.Equal(ParamsBytes($"{dir}/full/logic.safetensors"), ParamsBytes($"{dir}/part/logic.safetensors"));
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
        var resumed = ShellRunner.Run([.. common, "--epochs", $"{epochs}", "--log", $"{dir}/part.jsonl", "--out", $"{dir}/part",
            "--resume", $"{dir}/part/{exercise}.safetensors"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resuming at epoch {stopAt + 1}, batch 0", resumed.Stdout);
        Assert.Equal(File.ReadAllText($"{dir}/full.jsonl"), File.ReadAllText($"{dir}/part.jsonl"));
        Assert.Equal(ParamsBytes($"{dir}/full/{exercise}.safetensors"), ParamsBytes($"{dir}/part/{exercise}.safetensors"));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_warns_keeps_the_previous_one_and_the_log_and_exits_1()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("logic", "-q", "--epochs", "4", "--out", $"{dir}/out").ExitCode);
        var before = File.ReadAllBytes($"{dir}/out/logic.safetensors");
        // The optimizer sibling's path becomes a folder: every later checkpoint write fails, as on a full disk.
        File.Delete($"{dir}/out/logic.optim.safetensors");
        Directory.CreateDirectory($"{dir}/out/logic.optim.safetensors");
        var r = ShellRunner.Run("logic", "-q", "--epochs", "6", "--checkpoint-every", "2", "--out", $"{dir}/out", "--log", $"{dir}/log.jsonl");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("warning: checkpoint not written", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal(before, File.ReadAllBytes($"{dir}/out/logic.safetensors"));
        Assert.Equal(6 * 4 + 6, File.ReadAllLines($"{dir}/log.jsonl").Length);
        Assert.Contains("rows correct: the network", r.Stdout); // the results are still printed
        Assert.Empty(Directory.EnumerateFiles($"{dir}/out", "*.tmp"));
    }

    [Fact]
    public void Resume_with_other_options_is_refused_with_one_line()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("logic", "-q", "--epochs", "5", "--out", dir).ExitCode);
        var r = ShellRunner.Run("logic", "-q", "--epochs", "9", "--out", dir, "--gate", "or", "--resume", $"{dir}/logic.safetensors");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: --resume " + $"{dir}/logic.safetensors: the checkpoint was made with Gate and, this run has or", r.Stderr.Trim());
        }

    /// <summary>Edits the run options stored in a params checkpoint's metadata (as an older version would have written them).</summary>
    private static void EditCheckpointOptions(string checkpoint, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(checkpoint);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var meta = header["__metadata__"]!.AsObject();
        var options = JsonNode.Parse(meta["options"]!.GetValue<string>())!.AsObject();
        edit(options);
        meta["options"] = options.ToJsonString();
        var text = header.ToJsonString();
        var newHeader = System.Text.Encoding.UTF8.GetBytes(text.PadRight((text.Length + 7) / 8 * 8));
        File.WriteAllBytes(checkpoint, [.. BitConverter.GetBytes((ulong)newHeader.Length), .. newHeader, .. bytes[(8 + headerLength)..]]);
    }

    [Fact]
    public void An_xor_checkpoint_made_before_the_data_stream_was_an_option_is_refused_with_one_line()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("xor", "-q", "--epochs", "1", "--out", dir).ExitCode);
        EditCheckpointOptions($"{dir}/xor.safetensors", o => Assert.True(o.Remove("Data")));
        var r = ShellRunner.Run("xor", "-q", "--epochs", "2", "--out", dir, "--resume", $"{dir}/xor.safetensors");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: --resume " + $"{dir}/xor.safetensors: the checkpoint predates the Data option (made by an older version), "
                     + "so it is not known to match this run's Data Python; start a new run", r.Stderr.Trim());
    }

    [Fact]
    public void An_xor_checkpoint_on_torch_data_does_not_resume_on_python_data()
    {
        var dir = ShellRunner.TempDir();
        Assert.Equal(0, ShellRunner.Run("xor", "-q", "--epochs", "1", "--data", "torch", "--out", dir).ExitCode);
        var r = ShellRunner.Run("xor", "-q", "--epochs", "2", "--out", dir, "--resume", $"{dir}/xor.safetensors");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: --resume " + $"{dir}/xor.safetensors: the checkpoint was made with Data Torch, this run has Python", r.Stderr.Trim());
        Assert.Equal(0, ShellRunner.Run("xor", "-q", "--epochs", "2", "--data", "torch", "--out", dir, "--resume", $"{dir}/xor.safetensors").ExitCode);
}
}
