namespace Functional.Shell.Reports;

/// <summary>
/// What a report says in words about an exercise and its data, from the run's header (its effective settings) and the
/// core's constants: the tutorial it follows and what it trains on. Plain text; the page escapes it.
/// </summary>
internal static class RunStory
{
    /// <summary>The tutorial an exercise follows, in one line.</summary>
    public static string Tutorial(string exercise) => exercise switch
    {
        "logic" => "A small network learns a logic gate with SGD, one truth-table row per step (the AND-gate tutorial and its homework gates).",
        "regression" => "A 1-hidden-layer network fits y = sin(cos(x²)) + noise with Adam; with a split it shows the validation loss of the part it never saw.",
        "blobs" => "A 2-H-1 classifier (the tutorial's Feedforward(2, hidden)) tells make_blobs cluster 0 from the other clusters with BCE and SGD.",
        "xor" => "The XOR tutorial's run: noisy XOR batches, an N-H-1 network, MSE and SGD, with test loss and accuracy every epoch.",
        "xor-experiments" => "The XOR tutorial's experiment suite: activation, uniform init, centering, where sigmoid plateaus end, a learning-rate sweep, parity of 3–5 inputs; each group of runs trained at once as one ensemble.",
        "mnist" => "The MNIST digit classifier: a multilayer perceptron with ReLU and log-softmax, NLL loss, Adam.",
        _ => $"A run of {exercise}.",
    };

    /// <summary>What the run trained on, as paragraphs.</summary>
    public static IReadOnlyList<string> Data(RunRecord run)
    {
        string S(string key, string fallback = "?") => run.Setting(key) is { Length: > 0 } v ? v : fallback;
        var seed = S("Seed");
        switch (run.Exercise)
        {
            case "logic":
            {
                var gate = S("Gate", "and");
                string table;
                try
                {
                    var targets = Logic.TruthTable(gate);
                    table = string.Join(", ", Enumerable.Range(0, 4).Select(i =>
                        $"({Logic.Inputs[i, 0].ToString(Inv)}, {Logic.Inputs[i, 1].ToString(Inv)}) → {targets[i].ToString(Inv)}"));
                }
                catch (ArgumentException)
                {
                    table = "(a gate this version does not know)";
                }
                return
                [
                    $"The {gate.ToUpperInvariant()} truth table, four rows: {table}.",
                    "Every epoch steps once on each row, in that order, so an epoch is 4 steps; there is no held-out data (the four rows are all there is).",
                ];
            }
            case "regression":
            {
                var split = S("Split", "");
                var batch = S("BatchSize", "");
                var lines = new List<string>
                {
                    $"{S("Points")} points x evenly spaced on [-3, 3], targets y = sin(cos(x²)) + {RegressionOptions.Noise.ToString(Inv)}·N(0, 1) drawn from the seed ({seed}).",
                    split.Length == 0
                        ? "No split: the network trains on every point and the loss is the training loss."
                        : $"Split: the first {Fraction(split)} of the points train, the rest validate every epoch ("
                          + (S("SplitMode", "Sequential") == "Sequential" ? "sequential: the validation points are the right end of the range, so validation measures extrapolation" : "random: validation points are spread over the range") + ").",
                    batch.Length == 0 ? "Full batch: one step per epoch." : $"Mini-batches of {batch} through a shuffled DataLoader every epoch; validation over test batches of {batch}.",
                };
                if (run.Trainings.Length > 1)
                    lines.Add($"Two trainings on the same data, one per weight decay ({string.Join(" and ", run.Trainings.Select(t => t.TryGetProperty("weight_decay", out var w) ? RunRecord.Text(w) : "?"))}).");
                return lines;
            }
            case "blobs":
                return
                [
                    $"make_blobs data: {S("Samples")} training points and {S("TestSamples")} test points in the plane, around {S("Centers")} cluster centres drawn in (-10, 10), standard deviation {S("ClusterStd")}, from seed {seed}.",
                    "Label 0 is cluster 0, label 1 the other clusters. "
                    + (S("SameCenters", "True") == "True" ? "The test points are drawn around the training clusters." : "The test points are drawn around new random centres, as the tutorial's literal second make_blobs call does (test accuracy then measures luck)."),
                ];
            case "xor":
            {
                var inputs = S("Inputs", "2");
                return
                [
                    $"Noisy XOR{(inputs == "2" ? "" : $" (parity of {inputs} bits)")}: each sample draws {inputs} random bits plus a little noise on each, the target is their parity (plus noise). "
                    + $"{Xor.TrainBatches} training batches and {Xor.TestBatches} test batches of {Xor.BatchSize} samples.",
                    (S("Data", "Python") == "Python" ? $"Drawn as the tutorial's data cell does, with Python's random seeded with {seed} (3 demo batches first); the initial weights from torch.manual_seed({seed})." : $"Drawn with torch.randint/torch.rand under torch.manual_seed({seed}), the initial weights after them.")
                    + (S("Center", "False") == "True" ? " Inputs and targets are centred: {0, 1} mapped to {-1, 1}." : ""),
                ];
            }
            case "xor-experiments":
                return
                [
                    $"The XOR tutorial's data for every run ({Xor.TrainBatches} training and {Xor.TestBatches} test batches of {Xor.BatchSize}, {(S("Data", "Python") == "Python" ? "Python's random" : "the torch generator")}), "
                    + $"{S("Repeats")} seeds per configuration from seed {seed}; the learning-rate sweep uses seed {S("SweepSeed")}; parity experiments widen the hidden layer up to {S("MaxHidden")}.",
                    $"{S("Epochs")} epochs per run at learning rate {S("Lr")} (the sweep's own rates aside).",
                ];
            case "mnist":
            {
                var data = S("Data", "shipped sample");
                var limit = S("Limit", "");
                return
                [
                    "MNIST digits: 28×28 grey images scaled to [0, 1], labels 0–9. "
                    + (data == "shipped sample" ? "The shipped sample of real MNIST digits (data/mnist-sample)." : $"The four standard MNIST files in {data}."),
                    (limit.Length > 0 ? $"Training on the first {limit} training images; " : "Training on every training image; ")
                    + $"batches of {S("BatchSize")}, {S("Epochs")} epochs; test loss and accuracy over the test set after every epoch.",
                ];
            }
            default:
                return [];
        }
    }

    private static string Fraction(string text) =>
        double.TryParse(text, NumberStyles.Float, Inv, out var f) && f is > 0 and < 1 ? (100 * f).ToString("0.#", Inv) + " %" : text;
}
