using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The acceptance test of the learner's view (issue 15): each question a tutorial asks is answered in words by the
/// tool's own output when its tutorial command runs with its defaults (fewer epochs where the defaults take minutes:
/// the sentences are the same, only their numbers differ). The answers' numbers are matched by pattern, never written
/// in, and where an answer is a judgement (decay helped or not, better or worse than experiment 1) the test checks it
/// against the numbers of the run's own log or results.
/// </summary>
public sealed class LearnerQuestionsTests
{
    private const string Num = @"-?[0-9][0-9.,]*(e-?[0-9]+)?";

    private static (string Stdout, string Dir) Run(params string[] args)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        var r = ShellRunner.Run([.. args, "--out", dir, "--quiet"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return (r.Stdout, dir);
    }

    private static void Answers(string stdout, string question, string pattern) =>
        Assert.True(Regex.IsMatch(stdout, pattern, RegexOptions.Multiline), $"no answer to \"{question}\" (/{pattern}/) in:\n{stdout}");

    private static JsonElement Summary(string dir) =>
        JsonDocument.Parse(File.ReadLines(Path.Combine(dir, "log.jsonl")).Single(l => l.StartsWith("{\"event\":\"summary\"", StringComparison.Ordinal))).RootElement;

    [Fact]
    public void Logic_and()
    {
        var (stdout, _) = Run("logic");
        Answers(stdout, "does the network learn it?", @"^4/4 rows right \(an output counts as the value it rounds to\): the network learned AND$|^[0-3]/4 rows right .*: the network did not learn AND, wrong on ");
        Answers(stdout, "what weights did it learn?", @"^learned weights:$");
        Answers(stdout, "what do the weights do?", $@"^so the network computes output = .*relu\({Num}·x1 [+−] {Num}·x2 [+−] {Num}\)");
        Answers(stdout, "can one neuron learn XOR?", @"XOR is not: no straight line puts \(0, 1\) and \(1, 0\) on one side and \(0, 0\) and \(1, 1\) on the other, so logic --gate xor --hidden 0 cannot learn it");
    }

    [Fact]
    public void Logic_xor_without_its_answer_gets_a_hint()
    {
        var (stdout, dir) = Run("logic", "--gate", "xor");
        var outputs = Summary(dir).GetProperty("outputs").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var learned = outputs.Select(v => Math.Round(v)).SequenceEqual([0.0, 1, 1, 0]);
        if (learned) Answers(stdout, "why could it?", "XOR is not linearly separable, so a single neuron .* cannot learn it: the hidden layer is what bends the boundary");
        else Answers(stdout, "what now?", @"Try a wider hidden layer \(--hidden 4\) or another --seed");
    }

    [Fact]
    public void Curve_fit()
    {
        var (fit, _) = Run("regression", "--epochs", "300");
        Answers(fit, "how well does it fit?", $@"^the fit's MSE on its 1000 training points is {Num} after the last update .* the noise alone has MSE 0\.01 \(σ = 0\.1\), and the fit's is {Num}× that, ");
        Answers(fit, "and without a split?", "no validation: every point is trained on, so nothing measures overfitting");

        var (split, _) = Run("regression", "--preset", "split", "--epochs", "300");
        Answers(split, "with a sequential split, does it overfit, and where?",
            $@"^does it overfit, and where\? on the training range x ∈ \[-3, {Num}\] the MSE is {Num}; on the held-out right end x ∈ \[{Num}, 3\] it is {Num}, {Num}× as much");
        Answers(split, "does weight decay help, and why not here?", "^weight decay would not fix this: .* that is extrapolation, and no penalty on the weights can tell the network what the curve does where it has no data");
        Answers(split, "what does mini-batching change?", @"^full batch: each epoch is one update on all 800 training points; --batch-size 64 would take 13 smaller, noisier updates an epoch instead");

        var (compare, dir) = Run("regression", "--compare-weight-decay", "1e-3", "--epochs", "300");
        var runs = Summary(dir).GetProperty("runs").EnumerateArray().ToList();
        var (without, with) = (runs[0].GetProperty("final_val_loss").GetDouble(), runs[1].GetProperty("final_val_loss").GetDouble());
        Answers(compare, "does weight decay help?", $@"^weight decay 0\.001: validation loss {Num} without, {Num} with: decay {(with < without ? "helped" : "did not help")} here");
        Answers(compare, "why not here?", with < without ? "although the held-out points .* lie beyond the training range" : "because the held-out points .* lie beyond the training range: that is extrapolation");
        Answers(compare, "what does decay do?", $@"^what decay does do: the weight norm ‖θ‖ is {Num} without and {Num} with");
        Answers(compare, "where could it help?", "compare on --split-mode random");
        Assert.DoesNotContain("cure", compare, StringComparison.OrdinalIgnoreCase);

        var (loader, _) = Run("regression", "--preset", "loader", "--epochs", "3");
        Answers(loader, "what does mini-batching change?", $@"^mini-batches of 64: 25 updates per epoch \(75 in all\) instead of 1, each on a shuffled sample, so each step is cheaper and noisier: in the last epoch the batch losses spread ±{Num} %");
    }

    [Fact]
    public void Perceptron()
    {
        var r = ShellRunner.Run("perceptron", "--quiet"); // a walkthrough with no run folder
        Assert.True(r.ExitCode == 0, r.Stderr);
        var stdout = r.Stdout;
        Answers(stdout, "what are the shapes?", @"^shapes: input \[1, 48\] → fc\.weight \[10, 48\] and fc\.bias \[10\] → output \[1, 10\] \(490 parameters\)");
        Answers(stdout, "what is the output?", $@"^output: the sigmoid puts each of the 10 values in \(0, 1\); here they run from {Num} to {Num}");
        Answers(stdout, "what is the loss?", $@"^loss: MSE against a random target = {Num}");
        Answers(stdout, "what is the bias gradient?", @"^bias gradient: before backpropagation there is none \(PyTorch prints None\); after it, d loss/d fc\.bias = 2/10·\(output − target\)·output·\(1 − output\)");
        Answers(stdout, "does a manual update equal the optimizer's?", @"^manual update \(w ← w − 0\.01·grad\) and the optimizer's SGD step give the same weights");
    }

    [Fact]
    public void Blobs()
    {
        var (stdout, _) = Run("blobs");
        Answers(stdout, "test loss before and after?", $@"^test loss {Num} before training, {Num} after \(BCE; always answering p = 0\.5 scores ln 2 = 0\.693\)");
        Answers(stdout, "accuracy?", $@"^accuracy \(p ≥ 0\.5 counts as label 1\): train {Num} % \([0-9]+/40\), test {Num} % \([0-9]+/10\)");
        Answers(stdout, "the boundary?", $@"^the boundary: p\(label 1\) is {Num} at cluster 0's centre \({Num}, {Num}\)");
    }

    [Fact]
    public void Mnist()
    {
        var (stdout, _) = Run("mnist", "--limit", "2000", "--epochs", "1", "--show", "0");
        Answers(stdout, "what accuracy?", $@"^test accuracy {Num} % \({Num} of 2,000 digits right; guessing would score 10\.0 %\)");
        Answers(stdout, "which digits are confused?", @"^most confused: [0-9] taken for [0-9] \([0-9]+ times?\)");
        Answers(stdout, "what does the network say about this digit?", $@"^test digit 0 is an? [0-9]; the network says [0-9] \({Num} %\): (right|wrong)");
    }

    [Fact]
    public void Xor_with_accuracy_below_chance_says_why()
    {
        var (stdout, dir) = Run("xor", "--epochs", "2");
        var accuracy = Summary(dir).GetProperty("accuracy").GetDouble();
        Answers(stdout, "what accuracy?", $@"^after 2 epochs: test accuracy {Num} % of 500 samples, test loss {Num}; ");
        if (accuracy < 0.5)
            Answers(stdout, "why below a coin toss?", "round to neither class|no better than always guessing one class");
    }

    [Fact]
    public void Xor_experiments()
    {
        var (stdout, dir) = Run("xor-experiments", "--repeats", "3", "--epochs", "20", "--max-hidden", "3");
        Answers(stdout, "which activation works best?", @"^  which activation works best: (sigmoid|tanh|relu) \([0-9]+/3 runs at 100 %\), then ");
        Answers(stdout, "and why?", "^  why: ");
        Answers(stdout, "does uniform init help?", "^  uniform\\(−1, 1\\) init against experiment 1's default init, runs at 100 %: sigmoid [0-9]+→[0-9]+/3 .*tanh [0-9]+→[0-9]+/3 .*relu [0-9]+→[0-9]+/3 .*: it ");
        Answers(stdout, "does centering help?", "^  centred \\{−1, 1\\} data against experiment 1's \\{0, 1\\}, runs at 100 %: sigmoid [0-9]+→[0-9]+/3 .*: it ");
        Answers(stdout, "when has sigmoid stopped learning?", "^  (when has sigmoid stopped learning\\? Not when its loss goes flat|no run's loss left a plateau within 20 epochs)");
        Answers(stdout, "which learning rates learn, diverge, or are too slow at seed 42?", "^  learning rates at seed 42 \\(--sweep-seed\\), 20 epochs each: .*(learns?|none learns).*(too slow|none is too slow).*(diverges?|none diverges)");
        Answers(stdout, "what hidden width does 3-, 4-, 5-input parity need?", "^  what hidden width parity needs \\(the smallest at which most of the 3 runs reach 100 %\\): 3 inputs: .*, 4 inputs: .*, 5 inputs: ");

        // The comparison with experiment 1 says what the rows say, activation by activation.
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "xor-experiments.json")));
        int Perfect(int experiment, string setting) => results.RootElement.GetProperty("experiments").EnumerateArray()
            .Single(e => e.GetProperty("experiment").GetInt32() == experiment).GetProperty("rows").EnumerateArray()
            .Single(r => r.GetProperty("setting").GetString() == setting).GetProperty("perfect_runs").GetInt32();
        foreach (var n in new[] { 2, 3 })
            foreach (var activation in new[] { "sigmoid", "tanh", "relu" })
                Assert.Contains($"{activation} {Perfect(1, activation)}→{Perfect(n, activation)}/3", stdout);
    }

    [Fact]
    public void Experiments_2_and_3_alone_run_experiment_1_as_their_baseline_and_say_so()
    {
        var (stdout, dir) = Run("xor-experiments", "--only", "2", "--repeats", "2", "--epochs", "5");
        Answers(stdout, "what is experiment 1 here?", "^  run as the baseline of experiment 2$");
        Answers(stdout, "what changed against experiment 1?", "^  uniform\\(−1, 1\\) init against experiment 1's default init \\(run alongside as the baseline\\), runs at 100 %: sigmoid [0-9]+→[0-9]+/2");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "xor-experiments.json")));
        Assert.Equal([1, 2], results.RootElement.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("experiment").GetInt32()));
    }

    [Fact]
    public void Experiment_5_names_its_seed_and_takes_another()
    {
        var (stdout, dir) = Run("xor-experiments", "--only", "5", "--epochs", "5", "--sweep-seed", "7");
        Assert.Contains("Experiment 5: learning rate (tanh, centered, one seed: 7)", stdout);
        Answers(stdout, "which learning rates ... at this seed?", "^  learning rates at seed 7 \\(--sweep-seed\\), 5 epochs each: ");
        Assert.DoesNotMatch(@"\(1 rates", stdout);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "xor-experiments.json")));
        Assert.Equal(7, results.RootElement.GetProperty("options").GetProperty("sweep_seed").GetInt64());
    }
}
