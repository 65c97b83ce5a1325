using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Functional.Formats;
using Functional.Shell;
using Xunit;
using Xunit.Abstractions;

namespace Functional.Snapshots.Shell;

/// <summary>
/// kill -9 at random points of a small run, ten times, then a resume to the end: the log holds every event exactly once
/// and equals an uninterrupted run's, and so do the final params and metrics. The kills land mostly inside checkpoint
/// writes (a checkpoint every epoch: its fsyncs are most of an epoch's time), in the log's appends and in a resume's own
/// start (lock, cut-back, metrics rebuild).
/// </summary>
public sealed class KillNineTests(ITestOutputHelper output)
{
    private const int Kills = 10;

    [Fact]
    public void Ten_kill_9s_at_random_points_then_a_resume_lose_nothing_and_repeat_nothing()
    {
        var root = ShellRunner.TempDir();
        var (reference, dir) = (Path.Combine(root, "reference"), Path.Combine(root, "killed"));
        string[] run = ["logic", "--epochs", "2000", "--checkpoint-every", "1", "-q", "--seed", "5"];
        var clock = Stopwatch.StartNew();
        var full = ShellRunner.Run([.. run, "--out", reference]);
        Assert.True(full.ExitCode == 0, full.Stderr);
        // Each life lives at most a twentieth of the whole run's time past its start, so ten lives together cover at most
        // half of the run, however fast this machine's disk is: every kill lands in a run that has not finished.
        var longest = Math.Max(1, (int)(clock.ElapsedMilliseconds / (2 * Kills)));

        var random = new Random(20261130);
        var (kills, takeovers, removed) = (0, 0, 0);
        for (var life = 0; life < Kills; life++)
        {
            string[] args = life == 0 ? [.. run, "--out", dir] : [.. run, "--resume", dir];
            using var shell = ShellProcess.Start(args);
            // The first life must leave a checkpoint to resume; later ones die anywhere after they start resuming.
            var started = life == 0
                ? WaitUntil(() => Directory.Exists(Path.Combine(dir, "checkpoints")) && Directory.GetDirectories(Path.Combine(dir, "checkpoints"), "step-*").Length > 0, shell)
                : shell.WaitFor("resuming at epoch", TimeSpan.FromSeconds(120));
            Assert.True(started, $"life {life + 1} did not start\n{shell.Stderr}");
            Thread.Sleep(random.Next(0, longest));
            var landed = shell.TrySignal(ShellProcess.SIGKILL);
            var code = shell.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(landed && code == 137, $"life {life + 1}: {(landed ? "" : "ended before the kill, ")}exit {code}\n{shell.Stderr}");
            kills++;
            takeovers += Count(shell.Stderr, "taking over ");
            removed += Count(shell.Stderr, "removed a half-written checkpoint");
            Assert.DoesNotContain("error:", shell.Stderr);
        }
        var last = ShellRunner.Run([.. run, "--resume", dir]);
        Assert.True(last.ExitCode == 0, last.Stderr);
        takeovers += Count(last.Stderr, "taking over ");
        removed += Count(last.Stderr, "removed a half-written checkpoint");

        Assert.Equal(Kills, kills);
        Assert.True(takeovers >= 1, "no resume took over a killed run's lock");
        var events = ResumeTests.Events(Path.Combine(dir, "log.jsonl"));
        Assert.Equal(ResumeTests.Events(Path.Combine(reference, "log.jsonl")), events);
        Assert.Equal(ResumeTests.ParamsBytes(reference), ResumeTests.ParamsBytes(dir));
        Assert.Equal(File.ReadAllLines(Path.Combine(reference, "metrics.csv")), File.ReadAllLines(Path.Combine(dir, "metrics.csv")));
        var left = Directory.GetFileSystemEntries(Path.Combine(dir, "checkpoints")).Select(Path.GetFileName).ToList();
        Assert.All(left, name => Assert.Matches("^step-[0-9]{9}$", name));
        Assert.Equal(2, left.Count);
        Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
        output.WriteLine($"{kills} kill -9s, {takeovers} stale locks taken over, {removed} half-written checkpoints removed, "
                         + $"{events.Length} events equal to the uninterrupted run's; {clock.Elapsed.TotalSeconds:F1} s");
        Directory.Delete(root, recursive: true);
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    private static bool WaitUntil(Func<bool> condition, ShellProcess shell)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (condition()) return true;
            if (shell.Stderr.Contains("error:")) return false;
            Thread.Sleep(10);
        }
        return false;
    }
}

/// <summary>
/// Faults injected into runs through the real entry point: a full disk (an injected file system that fails after N
/// bytes) for the checkpoints and for the log, two runs into one folder, a stale lock, a torn checkpoint folder left by
/// a dead process, and small versions of every checkpoint bomb. Each asserts the exit code, the one line, and that
/// nothing is lost.
/// </summary>
public sealed class FaultInjectionTests
{
    private static readonly string Sep = Path.DirectorySeparatorChar.ToString();

    private static string[] Logic(params string[] more) => ["logic", "-q", "--seed", "2", .. more];

    private static string Run(string dir, int epochs, params string[] more)
    {
        var r = ShellRunner.Run(Logic([.. more, "--epochs", $"{epochs}", "--out", dir]));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return dir;
    }

    /// <summary>The only line on stderr, which must be an error.</summary>
    private static string OneLine(ShellRunner.Result r)
    {
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr + r.Stdout);
        return lines[0];
    }

    /// <summary>Every file of a folder (but the lock) by relative path with a hash of its bytes: what "nothing lost" compares.</summary>
    private static SortedDictionary<string, string> Contents(string dir, string? skip = null) =>
        new(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "run.lock" && f != skip && InputFile.KindOf(f) is null or InputFile.RegularFile)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))), StringComparer.Ordinal);

    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true"))!;
        p.WaitForExit();
        return p.Id;
    }

    // ---- a full disk ----

    [Fact]
    public void A_full_disk_for_checkpoints_warns_keeps_the_previous_one_and_the_run_and_its_log_go_on()
    {
        var root = ShellRunner.TempDir();
        var reference = Run(Path.Combine(root, "reference"), 6);
        var one = Run(Path.Combine(root, "one"), 2, "--checkpoint-every", "2");
        var checkpointBytes = Directory.EnumerateFiles(ResumeTests.NewestCheckpoint(one)).Sum(f => new FileInfo(f).Length);
        var dir = Path.Combine(root, "full");
        ShellRunner.Result r;
        // Room for the first checkpoint (after epoch 2) and a little more: every later one fails partway through a file.
        using (Disk.Use(Disk.FullAfter(checkpointBytes + 100, path => path.Contains($"{Sep}checkpoints{Sep}"))))
            r = ShellRunner.Run(Logic("--epochs", "6", "--checkpoint-every", "2", "--out", dir));
        Assert.Equal(1, r.ExitCode); // the results are printed, but the final checkpoint is missing
        Assert.Contains("rows correct: the network", r.Stdout);
        var warnings = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, warnings.Length); // epoch 4's, epoch 6's and the final one
        Assert.All(warnings, w => Assert.Equal($"warning: checkpoint not written (No space left on device (simulated)); the previous one is kept at {dir}/checkpoints/step-000000008", w));
        Assert.Equal(["step-000000008"], Directory.GetFileSystemEntries(Path.Combine(dir, "checkpoints")).Select(Path.GetFileName));
        Assert.Equal(ResumeTests.Events(Path.Combine(reference, "log.jsonl")), ResumeTests.Events(Path.Combine(dir, "log.jsonl")));
        // The kept checkpoint resumes to the uninterrupted run's params and log.
        var resumed = ShellRunner.Run(Logic("--epochs", "6", "--resume", dir));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming at epoch 3, batch 0", resumed.Stdout);
        ResumeTests.AssertSameRun(reference, dir);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void A_full_disk_for_the_log_stops_the_run_with_a_checkpoint_that_carries_what_the_log_lacks()
    {
        var root = ShellRunner.TempDir();
        var reference = Run(Path.Combine(root, "reference"), 40);
        var dir = Path.Combine(root, "full");
        ShellRunner.Result r;
        using (Disk.Use(Disk.FullAfter(4000, path => path.EndsWith($"{Sep}log.jsonl", StringComparison.Ordinal))))
            r = ShellRunner.Run(Logic("--epochs", "40", "--checkpoint-every", "5", "--out", dir));
        Assert.Equal(1, r.ExitCode);
        var line = OneLine(r);
        Assert.Matches($"^error: the log could not be written \\({dir}/log.jsonl: No space left on device \\(simulated\\)\\); stopped at epoch [0-9]+, batch 0; "
                       + $"checkpoint saved to {dir}/checkpoints/step-[0-9]{{9}} with the events the log lacks; resume with: \\./functional logic .* --resume {dir}$", line);
        Assert.DoesNotContain("rows correct", r.Stdout);
        // The log holds whole lines only, fewer than the run made; the checkpoint carries the rest.
        var log = File.ReadAllText(Path.Combine(dir, "log.jsonl"));
        Assert.EndsWith("\n", log);
        Assert.True(new FileInfo(Path.Combine(dir, "log.jsonl")).Length <= 4000);
        var pending = JsonNode.Parse(File.ReadAllText(Path.Combine(ResumeTests.NewestCheckpoint(dir), "checkpoint.json")))!["log"]!["pending"]!.AsArray();
        Assert.NotEmpty(pending);
        var resumed = ShellRunner.Run(Logic("--epochs", "40", "--resume", dir));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        ResumeTests.AssertSameRun(reference, dir);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void A_log_onto_a_device_is_written_in_place_never_replaced_and_one_that_takes_nothing_is_refused_before_training()
    {
        var root = ShellRunner.TempDir();
        var ok = ShellRunner.Run(Logic("--epochs", "2", "--out", Path.Combine(root, "null"), "--log", "/dev/null"));
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Equal(InputFile.CharacterDevice, InputFile.KindOf("/dev/null"));
        var full = ShellRunner.Run(Logic("--epochs", "2", "--out", Path.Combine(root, "full"), "--log", "/dev/full"));
        Assert.Equal(2, full.ExitCode);
        Assert.StartsWith("error: --log /dev/full: No space left on device", OneLine(full));
        Assert.Equal(InputFile.CharacterDevice, InputFile.KindOf("/dev/full"));
        Assert.False(Directory.Exists(Path.Combine(root, "full")), "the refused run left its folder behind");
        Directory.Delete(root, recursive: true);
    }

    // ---- one folder, one live run ----

    [Fact]
    public void A_folder_a_live_run_holds_refuses_a_second_run_a_resume_a_force_and_rm_then_takes_a_resume_after_it()
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "shared");
        using var first = ShellProcess.Start(Logic("--epochs", "100000000", "--out", dir));
        using var second = ShellProcess.Start(Logic("--epochs", "100000000", "--out", dir));
        // Two processes into one new folder at once: one takes it, the other is refused in one line.
        var loser = WaitForOneExit(first, second);
        var winner = loser == first ? second : first;
        Assert.Equal(2, loser.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal($"error: --out {dir}: in use by a live run (process {winner.Pid})", loser.Stderr.Trim());
        Assert.True(SpinWait.SpinUntil(() => File.Exists(Path.Combine(dir, "log.jsonl")), TimeSpan.FromSeconds(60)));
        var before = File.ReadAllLines(Path.Combine(dir, "log.jsonl"))[0];
        foreach (var (args, message) in new[]
        {
            (Logic("--epochs", "3", "--out", dir), $"error: --out {dir}: in use by a live run (process {winner.Pid})"),
            (Logic("--epochs", "3", "--out", dir, "--force"), $"error: --out {dir}: in use by a live run (process {winner.Pid})"),
            (Logic("--epochs", "3", "--resume", dir), $"error: --resume {dir}: in use by a live run (process {winner.Pid})"),
            (["runs", "rm", dir], $"error: runs rm {dir}: the run is running (process {winner.Pid}); stop it first"),
        })
        {
            var r = ShellRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal(message, OneLine(r));
        }
        Assert.Equal(before, File.ReadAllLines(Path.Combine(dir, "log.jsonl"))[0]); // the live run's log is its own
        winner.Signal(ShellProcess.SIGINT);
        Assert.Equal(130, winner.WaitForExit(TimeSpan.FromSeconds(60)));
        var again = ShellRunner.Run(Logic("--epochs", "3", "--out", dir));
        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"error: --out {dir}: holds another run; --resume {dir} continues it, --force replaces it", OneLine(again));
        var forced = ShellRunner.Run(Logic("--epochs", "3", "--out", dir, "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stderr);
        Assert.Matches($"^--force: replacing the run in {dir} \\(removed log.jsonl, metrics.csv, report.html, 1 checkpoint\\)$", forced.Stderr.Trim());
        Assert.Equal(3 * 4 + 3, ResumeTests.Events(Path.Combine(dir, "log.jsonl")).Length - 1);
    }

    private static ShellProcess WaitForOneExit(ShellProcess a, ShellProcess b)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (a.HasExited) return a;
            if (b.HasExited) return b;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"neither run was refused\n{a.Stderr}\n{b.Stderr}");
    }

    [Fact]
    public void A_stale_lock_is_taken_over_with_a_line_saying_so_and_a_reused_pid_is_not_mistaken_for_the_run()
    {
        var root = ShellRunner.TempDir();
        var reference = Run(Path.Combine(root, "reference"), 5);
        var dir = Run(Path.Combine(root, "run"), 2);
        var dead = DeadPid();
        // pid 1 lives, but it is not the process that took this lock: its start time differs.
        var init = File.ReadAllText("/proc/1/stat");
        var initStart = long.Parse(init[(init.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19]);
        var epochs = 2;
        foreach (var (lockText, line) in new[]
        {
            ($"{dead} 123\n", $"taking over {dir}: the run that held it (process {dead}) is gone"),
            ("", $"taking over {dir}: its lock file was unreadable (a run that died while taking it)"),
            ($"1 {initStart + 1}\n", $"taking over {dir}: the run that held it (process 1) is gone"),
        })
        {
            File.WriteAllText(Path.Combine(dir, "run.lock"), lockText);
            var r = ShellRunner.Run(Logic("--epochs", $"{++epochs}", "--resume", dir));
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal(line, r.Stderr.Trim());
            Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
        }
        ResumeTests.AssertSameRun(reference, dir);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void A_torn_checkpoint_folder_left_by_a_dead_process_is_ignored_removed_with_a_line_and_not_resumable()
    {
        var root = ShellRunner.TempDir();
        var reference = Run(Path.Combine(root, "reference"), 5);
        var dir = Run(Path.Combine(root, "run"), 3, "--checkpoint-every", "1");
        var dead = DeadPid();
        var torn = Path.Combine(dir, "checkpoints", $".step-000000016.tmp-{dead}");
        Directory.CreateDirectory(torn);
        File.WriteAllBytes(Path.Combine(torn, "model.safetensors"), [1, 2, 3]);
        var halfRemoved = Directory.CreateDirectory(Path.Combine(dir, "checkpoints", $".step-000000004.del-{dead}")).FullName;
        var named = ShellRunner.Run(Logic("--epochs", "5", "--resume", torn));
        Assert.Equal(2, named.ExitCode);
        Assert.Equal($"error: --resume {torn}: a checkpoint that was never completed (its writer died); resume the run folder instead", OneLine(named));
        var r = ShellRunner.Run(Logic("--epochs", "5", "--resume", dir));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("resuming at epoch 4, batch 0", r.Stdout); // from step 12, the newest complete one
        Assert.Contains($"removed a half-written checkpoint left by process {dead}, which is gone: {torn}", r.Stderr);
        Assert.Contains($"removed the rest of an old checkpoint whose removal process {dead} did not finish: {halfRemoved}", r.Stderr);
        Assert.False(Directory.Exists(torn));
        ResumeTests.AssertSameRun(reference, dir);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void A_diverging_run_speaks_only_of_its_own_checkpoint()
    {
        var dir = Run(Path.Combine(ShellRunner.TempDir(), "run"), 3);
        // The folder held another run's checkpoint: --force took it away, and the diverging run names none.
        var forced = ShellRunner.Run(Logic("--epochs", "5", "--lr", "1000000", "--out", dir, "--force"));
        Assert.Equal(3, forced.ExitCode);
        Assert.EndsWith("no checkpoint kept; try a smaller --lr", forced.Stderr.Trim());
        // Its own checkpoint of epoch 2 (it diverges in epoch 3) is the one named.
        var own = ShellRunner.Run(Logic("--epochs", "5", "--lr", "100", "--checkpoint-every", "1", "--out", dir, "--force"));
        Assert.Equal(3, own.ExitCode);
        Assert.EndsWith($"last good checkpoint kept at {dir}/checkpoints/step-000000008; try a smaller --lr", own.Stderr.Trim());
    }

    // ---- bombs: every one refused with exit 2 and one line, before anything reaches libtorch, the run's files untouched ----

    private static readonly Lazy<string> Base = new(() => Run(Path.Combine(ShellRunner.TempDir(), "base"), 3, "--checkpoint-every", "1"));

    public static TheoryData<string, string> Bombs => new()
    {
        { "truncated model", "model.safetensors: truncated (" },
        { "model header claiming 1 TB", "model.safetensors: its header claims 1,000,000,000,000 bytes" },
        { "model declaring more data than the run has", "model.safetensors: declares 4,000,020 bytes of tensors, more than the 36 expected" },
        { "oversized checkpoint.json", "checkpoint.json: 67,108,865 bytes, more than the 67,108,864 this program reads" },
        { "truncated checkpoint.json", "checkpoint.json: not JSON (" },
        { "weight [2,2] stored as [4,1]", "model.safetensors: parameter 'l1.weight' has shape [4, 1], this run's is [2, 2]" },
        { "weight as I32", "model.safetensors: parameter 'l1.weight' is I32, expected F32" },
        { "weight as F64", "model.safetensors: declares 52 bytes of tensors, more than the 36 expected" }, // the size cap comes first
        { "weight as F16", "model.safetensors: parameter 'l1.weight' is F16, expected F32" },
        { "bias of shape []", "model.safetensors: parameter 'l2.bias' has shape [], this run's is [1]" },
        { "next_epoch -5", "checkpoint.json: 'next.epoch' is -5, expected at least 1" },
        { "next_batch 999", "the checkpoint continues at batch 999 of epoch 4, but an epoch of this run has 4 batches" },
        { "a 3-byte rng blob", "checkpoint.json: rng is 4 characters of base64, a generator state takes 6744" },
        { "an rng libtorch would abort on", "checkpoint.json: rng is not a generator state (its mt19937 'left' is 0, outside 1..624)" },
        { "model.safetensors -> /dev/zero", "model.safetensors: is a character device, not a regular file" },
        { "model.safetensors a FIFO", "model.safetensors: is a FIFO (named pipe), not a regular file" },
        { "--resume /dev/zero", "error: --resume /dev/zero: is a character device, not a regular file" },
        { "--resume a FIFO", "fifo: is a FIFO (named pipe), not a regular file" },
        { "--resume a format 1 checkpoint", "logic.safetensors: a checkpoint of an older format (functional-checkpoint/1" },
        { "--resume a folder of format 1", "holds logic.safetensors, a checkpoint of an older format (functional-checkpoint/1)" },
        { "--resume a run of another exercise", "a run of logic, not of blobs" },
        { "a checkpoint renamed to another step", "holds the checkpoint of step 12, not the one its name says" },
        { "a log cut short", "log.jsonl: holds 0 events, but the checkpoint resumed records 15" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task A_checkpoint_bomb_is_refused_with_one_line_and_the_run_keeps_every_file(string bomb, string message)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        CopyFolder(Base.Value, dir);
        var newest = ResumeTests.NewestCheckpoint(dir);
        string Of(string name) => Path.Combine(newest, name);
        void Json(Action<JsonObject> edit)
        {
            var json = JsonNode.Parse(File.ReadAllText(Of("checkpoint.json")))!.AsObject();
            edit(json);
            File.WriteAllText(Of("checkpoint.json"), json.ToJsonString());
        }
        void Model(Func<TensorEntry, TensorEntry> edit)
        {
            var file = SafeTensors.Deserialize(File.ReadAllBytes(Of("model.safetensors")), "m");
            File.WriteAllBytes(Of("model.safetensors"), SafeTensors.Serialize([.. file.Tensors.Select(edit)], file.Metadata?.ToDictionary(m => m.Key, m => m.Value)));
        }
        string[] args = Logic("--epochs", "6", "--resume", dir);
        switch (bomb)
        {
            case "truncated model": File.WriteAllBytes(Of("model.safetensors"), File.ReadAllBytes(Of("model.safetensors"))[..^3]); break;
            case "model header claiming 1 TB":
                var bytes = File.ReadAllBytes(Of("model.safetensors"));
                BitConverter.GetBytes(1_000_000_000_000UL).CopyTo(bytes, 0);
                File.WriteAllBytes(Of("model.safetensors"), bytes);
                break;
            case "model declaring more data than the run has":
                Model(e => e.Name == "l1.weight" ? new TensorEntry(e.Name, "F32", [1000, 1000], new byte[4_000_000]) : e); break;
            case "oversized checkpoint.json":
                using (var f = new FileStream(Of("checkpoint.json"), FileMode.Open)) f.SetLength(64L * 1024 * 1024 + 1);
                break;
            case "truncated checkpoint.json": File.WriteAllText(Of("checkpoint.json"), File.ReadAllText(Of("checkpoint.json"))[..200]); break;
            case "weight [2,2] stored as [4,1]": Model(e => e.Name == "l1.weight" ? new TensorEntry(e.Name, "F32", [4, 1], e.Data) : e); break;
            case "weight as I32": Model(e => e.Name == "l1.weight" ? new TensorEntry(e.Name, "I32", e.Shape, e.Data) : e); break;
            case "weight as F64": Model(e => e.Name == "l1.weight" ? new TensorEntry(e.Name, "F64", e.Shape, new byte[e.Data.Length * 2]) : e); break;
            case "weight as F16": Model(e => e.Name == "l1.weight" ? new TensorEntry(e.Name, "F16", e.Shape, new byte[e.Data.Length / 2]) : e); break;
            case "bias of shape []": Model(e => e.Name == "l2.bias" ? new TensorEntry(e.Name, "F32", [], e.Data) : e); break;
            case "next_epoch -5": Json(j => j["next"]!["epoch"] = -5); break;
            case "next_batch 999": Json(j => j["next"]!["batch"] = 999); break;
            case "a 3-byte rng blob": Json(j => j["rng"] = Convert.ToBase64String(new byte[] { 1, 2, 3 })); break;
            case "an rng libtorch would abort on":
                Json(j =>
                {
                    var state = Convert.FromBase64String(j["rng"]!.GetValue<string>());
                    BitConverter.GetBytes(0).CopyTo(state, 8);
                    j["rng"] = Convert.ToBase64String(state);
                });
                break;
            case "model.safetensors -> /dev/zero":
                File.Delete(Of("model.safetensors"));
                File.CreateSymbolicLink(Of("model.safetensors"), "/dev/zero");
                break;
            case "model.safetensors a FIFO":
                File.Delete(Of("model.safetensors"));
                MakeFifo(Of("model.safetensors"));
                break;
            case "--resume /dev/zero": args = Logic("--epochs", "6", "--resume", "/dev/zero"); break;
            case "--resume a FIFO":
                MakeFifo(Path.Combine(dir, "fifo"));
                args = Logic("--epochs", "6", "--resume", Path.Combine(dir, "fifo"));
                break;
            case "--resume a format 1 checkpoint":
                var old = Path.Combine(dir, "logic.safetensors");
                File.WriteAllBytes(old, SafeTensors.Serialize([new TensorEntry("l1.weight", "F32", [2, 2], new byte[16])],
                    new Dictionary<string, string> { ["format"] = "functional-checkpoint/1", ["checkpoint_id"] = "12-x" }));
                args = Logic("--epochs", "6", "--resume", old);
                break;
            case "--resume a folder of format 1":
                var oldDir = Directory.CreateDirectory(Path.Combine(dir, "old")).FullName;
                File.WriteAllBytes(Path.Combine(oldDir, "logic.safetensors"), SafeTensors.Serialize([new TensorEntry("l1.weight", "F32", [2, 2], new byte[16])],
                    new Dictionary<string, string> { ["format"] = "functional-checkpoint/1", ["checkpoint_id"] = "12-x" }));
                args = Logic("--epochs", "6", "--resume", oldDir);
                break;
            case "--resume a run of another exercise": args = ["blobs", "-q", "--resume", dir]; break;
            case "a checkpoint renamed to another step":
                Directory.Move(newest, Path.Combine(dir, "checkpoints", "step-000000099"));
                break;
            case "a log cut short":
                File.WriteAllText(Path.Combine(dir, "log.jsonl"), File.ReadAllLines(Path.Combine(dir, "log.jsonl"))[0] + "\n");
                break;
            default: throw new ArgumentException(bomb);
        }
        var before = Contents(dir);
        // A FIFO or a device must be refused without being opened: a blocked read fails the test instead of hanging it.
        var r = await Task.Run(() => ShellRunner.Run(args)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, r.ExitCode);
        var line = OneLine(r);
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
        Assert.Equal(before, Contents(dir));
        Assert.False(File.Exists(Path.Combine(dir, "run.lock")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir, "checkpoints"), ".*"));
    }

    private static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]))!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }
}
