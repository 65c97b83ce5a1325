using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// Every kind of bad input, through the real entry point: exit code 2, exactly one line on stderr that says which
/// error it is, no stack trace, and nothing written in --out.
/// </summary>
public sealed class BadInputTests
{
    /// <summary>
    /// Arguments, and what the one line must say (which error, not only that there is one). "{out}" becomes a fresh
    /// folder, "{file}" an existing regular file, "{garbage}" a corrupt checkpoint, "{dir}" an existing folder.
    /// </summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "", "no exercise given" },
        { "bogus", "Unrecognized command or argument 'bogus'" },
        { "--no-such-option", "Unrecognized command or argument '--no-such-option'" },
        { "logic --no-such-option", "Unrecognized command or argument '--no-such-option'" },
        { "logic --epochs 0", "--epochs must be positive, got 0" },
        { "logic --epochs -3", "--epochs must be positive, got -3" },
        { "logic --epochs many", "--epochs must be a whole number (digits, no separators), got 'many'" },
        { "logic --epochs 99999999999", "--epochs must be a whole number from -2147483648 to 2147483647, got '99999999999'" },
        { "logic --lr 0", "--lr must be a positive number, got 0" },
        { "logic --lr -0.1", "--lr must be a positive number, got -0.1" },
        { "logic --lr abc", "--lr must be a number written with a decimal point and no group separators (e.g. 0.01 or 1e-3), got 'abc'" },
        { "logic --lr NaN", "--lr must be a finite number, got 'NaN'" },
        { "logic --lr Infinity", "--lr must be a finite number, got 'Infinity'" },
        { "logic --hidden -1", "--hidden must be between 0 and 1024, got -1" },
        { "logic --hidden two", "--hidden must be a whole number (digits, no separators), got 'two'" },
        { "logic --gate maybe", "--gate must be one of: and|or|nand|nor|xor|xnor, got 'maybe'" },
        { "logic --gate", "Unrecognized command or argument" }, // --gate takes the --out the test adds as its value
        { "logic --seed x", "--seed must be a whole number (digits, no separators), got 'x'" },
        { "logic --checkpoint-every -1", "--checkpoint-every must be 0 or more, got -1" },
        { "logic --log /no/such/folder/log.jsonl", "--log /no/such/folder/log.jsonl: folder /no/such/folder does not exist" },
        { "logic --log {out}", "the same path as the --out folder" },
        { "logic --log {dir}", "is a folder, expected a file path" },
        { "logic --log {file}/log.jsonl", "a-file.txt does not exist" },
        { "logic --out {file}", "a-file.txt: is a file, expected a folder" },
        { "logic --out /proc/functional-cannot-write-here", "--out /proc/functional-cannot-write-here: folder /proc is not writable" },
        { "logic --resume /no/such/checkpoint.safetensors", "--resume /no/such/checkpoint.safetensors: no such file" },
        { "logic --resume {garbage}", "bad.safetensors: a file, not a run; --resume takes a run folder" },
        { "logic --resume {file}", "a-file.txt: a file, not a run; --resume takes a run folder" },
        { "logic extra-argument", "Unrecognized command or argument 'extra-argument'" },
        { "regression --split 1.5", "--split must be a fraction between 0 and 1 (exclusive), got 1.5" },
        { "regression --split abc", "--split must be a number written with a decimal point" },
        { "regression --points 1", "--points must be between 2 and 100000, got 1" },
        { "regression --points 5 --split 0.95", "--split must be a fraction that leaves at least one of the 5 points on each side, got 0.95" },
        { "regression --batch-size 0", "--batch-size must be positive, got 0" },
        { "regression --preset nope", "--preset must be one of: fit|split|decay|loader, got 'nope'" },
        { "regression --optimizer rmsprop", "--optimizer must be one of: adam|sgd, got 'rmsprop'" },
        { "regression --split-mode diagonal", "--split-mode must be one of: sequential|random, got 'diagonal'" },
        { "regression --activation swish", "--activation must be one of: relu|sigmoid|tanh|elu|identity, got 'swish'" },
        { "regression --compare-weight-decay 0", "--compare-weight-decay must be another weight decay than the run's own 0, got 0" },
        { "regression --compare-weight-decay -1", "--compare-weight-decay must be a number ≥ 0, got -1" },
        { "regression --compare-weight-decay 0.001 --resume {garbage}", "--resume continues a single run; it cannot be combined with --compare-weight-decay" },
        { "perceptron --lr -1", "--lr must be a positive number, got -1" },
        { "perceptron --inputs 0", "--inputs must be between 1 and 4096, got 0" },
        { "blobs --samples 0", "--samples must be between 1 and 100000, got 0" },
        { "blobs --hidden -2", "--hidden must be between 1 and 1024, got -2" },
        { "blobs --resume {logic-checkpoint}", ": a run of logic, not of blobs" },
        { "xor --activation swish", "--activation must be one of: sigmoid|tanh|relu, got 'swish'" },
        { "xor --init he", "--init must be one of: default|uniform, got 'he'" },
        { "xor --hidden 0", "--hidden must be between 1 and 1024, got 0" },
        { "xor --inputs 0", "--inputs must be between 1 and 16, got 0" },
        { "xor --data numpy", "--data must be one of: python|torch, got 'numpy'" },
        { "xor-experiments --data numpy", "--data must be one of: python|torch, got 'numpy'" },
        { "xor-experiments --repeats 0", "--repeats must be between 1 and 100, got 0" },
        { "xor-experiments --only 9", "--only must be between 1 and 6, got 9" },
        { "xor-experiments --checkpoint-every -1", "--checkpoint-every must be 0 or more, got -1" },
        { "xor-experiments --resume /no/such/checkpoint.safetensors", "--resume /no/such/checkpoint.safetensors: no such file" },
        { "xor-experiments --resume {garbage}", "bad.safetensors: a file, not a run; --resume takes a run folder" },
        { "xor-experiments --resume {logic-checkpoint}", ": a run of logic, not of xor-experiments" },
        { "mnist --data /no/such/dir", "--data /no/such/dir: folder not found" },
        { "mnist --data {dir}", "train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) not found" },
        { "mnist --hidden 64,x", "--hidden must be whole numbers separated by commas (e.g. 64,64,64), got '64,x'" },
        { "mnist --batch-size 0", "--batch-size must be positive, got 0" },
        { "mnist --limit 0", "--limit must be positive, got 0" },
        { "mnist --threads 0", "--threads must be between 1 and 64, got 0" },
        { "mnist --show 99999 --limit 10 --epochs 1", "--show must be between 0 and 1999 (the test set has 2000 digits), got 99999" },
        { "mnist predict /no/such.png --model /no/such.safetensors", "/no/such.png: file not found" },
        { "mnist predict {file} --model {logic-checkpoint}", "a-file.txt: not an image this program can decode" },
        { "mnist predict {file}", "Option '--model' is required" },
        { "mnist predict {dir} --model {logic-checkpoint}", "is a folder, expected a file" },
        { "mnist predict /dev/zero --model {logic-checkpoint}", "/dev/zero: is a character device, not a regular file" },
        { "mnist predict {file} --model /dev/zero", "a-file.txt: not an image this program can decode" },
        { "bench memory --steps 0", "--steps must be positive, got 0" },
        { "bench memory --every 11 --steps 10", "--every must be between 1 and 10, got 11" },
        { "bench memory --suite nope", "--suite must be one of: logic|xor-experiments, got 'nope'" },
        { "bench xor --steps 700", "--steps must be a positive multiple of 500, got 700" },
        { "bench nothing", "Unrecognized command or argument 'nothing'" },

        // Sizes beyond their caps (#13): refused before anything is allocated. The values are the caps plus one, so a
        // missing cap would show as a run that succeeds, not as a machine out of memory.
        { "logic --hidden 1025", "--hidden must be between 0 and 1024, got 1025" },
        { "xor --hidden 1025", "--hidden must be between 1 and 1024, got 1025" },
        { "xor --inputs 17", "--inputs must be between 1 and 16, got 17" },
        { "regression --hidden 1025", "--hidden must be between 1 and 1024, got 1025" },
        { "regression --points 100001", "--points must be between 2 and 100000, got 100001" },
        { "blobs --hidden 1025", "--hidden must be between 1 and 1024, got 1025" },
        { "blobs --samples 100001", "--samples must be between 1 and 100000, got 100001" },
        { "blobs --test-samples 100001", "--test-samples must be between 1 and 100000, got 100001" },
        { "perceptron --inputs 4097", "--inputs must be between 1 and 4096, got 4097" },
        { "perceptron --outputs 4097", "--outputs must be between 1 and 4096, got 4097" },
        { "mnist --hidden 64,1025", "--hidden must be at most 8 values, each between 1 and 1024, got 64,1025" },
        { "mnist --hidden 1,1,1,1,1,1,1,1,1", "--hidden must be at most 8 values, each between 1 and 1024, got 1,1,1,1,1,1,1,1,1" },
        { "mnist --threads 65", "--threads must be between 1 and 64, got 65" },
        { "bench mnist --threads 65", "--threads must be between 1 and 64, got 65" },
        { "bench xor --k 1,3001", "--k must be values each between 1 and 3000, got 1,3001" },
        { "xor-experiments --repeats 101", "--repeats must be between 1 and 100, got 101" },
        { "xor-experiments --max-hidden 33", "--max-hidden must be between 1 and 32, got 33" },
        { "xor-experiments --repeats 100 --max-hidden 11", "--max-hidden must be at most 10 with 100 repeats (experiment 6 trains 3 input sizes × each width × each repeat as one ensemble of at most 3000 runs), got 11" },

        // Numbers are strict (#13): the invariant culture, no group separators, finite, within float32 where they meet it.
        { "logic --lr 0,1", "--lr must be a number written with a decimal point and no group separators (e.g. 0.01 or 1e-3), got '0,1'" },
        { "logic --lr 1,5", "no group separators (e.g. 0.01 or 1e-3), got '1,5'" },
        { "logic --epochs 1,000", "--epochs must be a whole number (digits, no separators), got '1,000'" },
        { "logic --seed 1_000", "--seed must be a whole number (digits, no separators), got '1_000'" },
        { "regression --split 0,8", "--split must be a number written with a decimal point and no group separators" },
        { "mnist --hidden 64,1e3", "--hidden must be whole numbers separated by commas (e.g. 64,64,64), got '64,1e3'" },
        { "xor --lr 1e400", "--lr must be a finite number, got '1e400'" },
        { "logic --lr 1e39", "--lr must be a positive number no larger than 1E+30, got 1E+39" },
        { "regression --lr 1e300", "--lr must be a positive number no larger than 1E+30, got 1E+300" },
        { "regression --weight-decay 1e300", "--weight-decay must be a number ≥ 0 no larger than 1E+30, got 1E+300" },
        { "regression --compare-weight-decay 1e300", "--compare-weight-decay must be a number ≥ 0 no larger than 1E+30, got 1E+300" },
        { "xor-experiments --lr 1e31", "--lr must be a positive number no larger than 1E+30, got 1E+31" },
        { "bench memory --max-growth-mb nan", "--max-growth-mb must be a finite number, got 'nan'" },
        { "bench memory --max-growth-mb -1", "--max-growth-mb must be a number ≥ 0, got -1" },
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
    public void Bad_input_gets_one_line_that_says_which_error_and_exit_code_2(string line, string says)
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
        Assert.Contains(says, lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr + r.Stdout);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "something was written in --out");
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp", SearchOption.AllDirectories));
        Directory.Delete(dir, recursive: true);
    }
}
