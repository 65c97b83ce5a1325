using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// Every kind of bad input, through the real entry point: exit code 2, exactly one line on stderr, no stack trace,
/// and nothing written in --out.
/// </summary>
public sealed class BadInputTests
{
    /// <summary>Arguments; "{out}" becomes a fresh folder, "{file}" an existing regular file, "{garbage}" a corrupt checkpoint, "{dir}" an existing folder.</summary>
    public static TheoryData<string> Cases => new()
    {
        "",
        "bogus",
        "--no-such-option",
        "logic --no-such-option",
        "logic --epochs 0",
        "logic --epochs -3",
        "logic --epochs many",
        "logic --epochs 99999999999",
        "logic --lr 0",
        "logic --lr -0.1",
        "logic --lr abc",
        "logic --lr NaN",
        "logic --lr Infinity",
        "logic --hidden -1",
        "logic --hidden two",
        "logic --gate maybe",
        "logic --gate",
        "logic --seed x",
        "logic --checkpoint-every -1",
        "logic --log /no/such/folder/log.jsonl",
        "logic --log {out}",
        "logic --log {dir}",
        "logic --log {file}/log.jsonl",
        "logic --out {file}",
        "logic --out /proc/functional-cannot-write-here",
        "logic --resume /no/such/checkpoint.safetensors",
        "logic --resume {garbage}",
        "logic --resume {file}",
        "logic extra-argument",
        "regression --split 1.5",
        "regression --split abc",
        "regression --points 1",
        "regression --batch-size 0",
        "regression --preset nope",
        "regression --optimizer rmsprop",
        "regression --split-mode diagonal",
        "regression --activation swish",
        "regression --compare-weight-decay 0",
        "regression --compare-weight-decay 0.001 --resume {garbage}",
        "perceptron --lr -1",
        "perceptron --inputs 0",
        "blobs --samples 0",
        "blobs --hidden -2",
        "blobs --resume {logic-checkpoint}",
        "xor --activation swish",
        "xor --init he",
        "xor --hidden 0",
        "xor --inputs 0",
        "xor --data numpy",
        "xor-experiments --data numpy",
        "xor-experiments --repeats 0",
        "xor-experiments --only 9",
        "xor-experiments --checkpoint-every -1",
        "xor-experiments --resume /no/such/checkpoint.safetensors",
        "xor-experiments --resume {garbage}",
        "xor-experiments --resume {logic-checkpoint}",
        "mnist --data /no/such/dir",
        "mnist --data {dir}",
        "mnist --hidden 64,x",
        "mnist --batch-size 0",
        "mnist --limit 0",
        "mnist --threads 0",
        "mnist --show 99999 --limit 10 --epochs 1",
        "mnist predict /no/such.png --model /no/such.safetensors",
        "mnist predict {file} --model {logic-checkpoint}",
        "mnist predict {file}",
        "mnist predict {dir} --model {logic-checkpoint}",
        "mnist predict /dev/zero --model {logic-checkpoint}",
        "mnist predict {file} --model /dev/zero",
        "bench memory --steps 0",
        "bench nothing",
    };

    // Commands that write into --out; the others have no such option.
    private static readonly string[] WithOut = ["logic", "regression", "blobs", "xor", "xor-experiments", "mnist"];

    private static readonly Lazy<string> LogicCheckpoint = new(() =>
    {
        var dir = ShellRunner.TempDir();
        var r = ShellRunner.Run("logic", "-q", "--epochs", "2", "--out", dir);
        if (r.ExitCode != 0) throw new InvalidOperationException(r.Stderr);
        return dir; // a run folder: --resume and --model take it
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_gets_one_line_and_exit_code_2(string line)
    {
        var dir = ShellRunner.TempDir();
        var outDir = Path.Combine(dir, "out");
        var file = Path.Combine(dir, "a-file.txt");
        File.WriteAllText(file, "not a folder");
        var garbage = Path.Combine(dir, "bad.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        File.WriteAllBytes(Path.Combine(dir, "bad.optim.safetensors"), [1, 2, 3]);
        var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a.Replace("{out}", outDir).Replace("{file}", file).Replace("{garbage}", garbage).Replace("{dir}", dir)
            .Replace("{logic-checkpoint}", a.Contains("{logic-checkpoint}") ? LogicCheckpoint.Value : "")).ToList();
        // Commands get a fresh --out unless the case sets one, so "nothing written" is checkable.
        if (args.Count > 0 && !args.Contains("--out") && WithOut.Contains(args[0]) && !(args.Count > 1 && args[1] == "predict"))
            args.AddRange(["--out", outDir]);
        var r = ShellRunner.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{r.Stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr + r.Stdout);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "something was written in --out");
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp", SearchOption.AllDirectories));
        Directory.Delete(dir, recursive: true);
    }
}
