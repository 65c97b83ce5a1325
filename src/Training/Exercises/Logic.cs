using Functional.Training.Optimizers;

namespace Functional.Training.Exercises;

/// <summary>Options of the logic-gate exercise; defaults are the AND tutorial's.</summary>
/// <param name="Gate">One of <see cref="Logic.Gates"/>.</param>
/// <param name="Hidden">Hidden width; 0 means a single neuron (Linear(2,1)), which cannot learn XOR.</param>
/// <param name="Epochs">Passes over the four truth-table rows.</param>
/// <param name="Lr">SGD learning rate.</param>
/// <param name="Seed">Seed of the initial weights (as <c>torch.manual_seed</c>).</param>
public sealed record LogicOptions(string Gate = "and", int Hidden = 2, int Epochs = 99, double Lr = 0.1, long Seed = 1)
{
    /// <summary>Returns this, or throws an <see cref="OptionError"/> naming the first option out of range.</summary>
    public LogicOptions Validate()
    {
        Require.OneOf(nameof(Gate), Gate, Logic.Gates);
        Require.Between(nameof(Hidden), Hidden, 0, Limits.Width);
        Require.Positive(nameof(Epochs), Epochs);
        Require.PositiveNumber(nameof(Lr), Lr);
        return this;
    }

    /// <summary>The options a resumed run must share with its checkpoint: all but <see cref="Epochs"/>, which may grow.</summary>
    public ImmutableSortedDictionary<string, string> MustMatchOnResume() =>
        ResumeOptions.Of((nameof(Gate), Gate), (nameof(Hidden), Hidden), (nameof(Lr), Lr), (nameof(Seed), Seed));
}

/// <summary>The truth table as tensors: inputs [4, 2] and targets [4, 1]. Dispose frees them.</summary>
public sealed record LogicData(Tensor Inputs, Tensor Targets) : IDisposable
{
    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>
/// The AND-gate tutorial and its homework gates: Linear(2,H) → ReLU → Linear(H,1), MSE, SGD, one truth-table row per
/// step in order (00, 01, 10, 11).
/// </summary>
public static class Logic
{
    /// <summary>Supported gates.</summary>
    public static IReadOnlyList<string> Gates { get; } = ["and", "or", "nand", "nor", "xor", "xnor"];

    /// <summary>The four inputs, in the tutorial's order.</summary>
    public static float[,] Inputs { get; } = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };

    /// <summary>The gate's outputs for <see cref="Inputs"/>.</summary>
    public static float[] TruthTable(string gate) => gate switch
    {
        "and" => [0, 0, 0, 1],
        "or" => [0, 1, 1, 1],
        "nand" => [1, 1, 1, 0],
        "nor" => [1, 0, 0, 0],
        "xor" => [0, 1, 1, 0],
        "xnor" => [1, 0, 0, 1],
        _ => throw new OptionError(nameof(LogicOptions.Gate), gate, $"one of: {string.Join("|", Gates)}"),
    };

    /// <summary>The network: 2 → H → 1 with ReLU, or a single 2 → 1 neuron when H is 0.</summary>
    public static MlpSpec Spec(int hidden) =>
        new(2, hidden == 0 ? [] : [hidden], 1, new Activation.Relu(), new Activation.Identity());

    /// <summary>Builds the run: data (no random draws), then the initial weights from <c>Rng.Seed(seed)</c>.</summary>
    public static Prepared<Trainer, LogicData> Prepare(LogicOptions options)
    {
        options.Validate();
        var trainer = new Trainer(Spec(options.Hidden), new Loss.Mse(), new Sgd(options.Lr));
        var x = tensor(Inputs, ScalarType.Float32);
        var y = tensor(TruthTable(options.Gate), ScalarType.Float32).reshape(4, 1);
        var (p, rng) = Init.Initialize(trainer.Spec, Rng.Seed(options.Seed));
        var plan = new RunPlan(options.Epochs, (_, r) => new EpochData([.. Enumerable.Range(0, 4).Select(i => new Batch(x[i], y[i]))], r));
        return new(trainer, trainer.Start(p, rng), plan, new LogicData(x, y));
    }

    /// <summary>The network's output for each of the four inputs at params <paramref name="p"/>.</summary>
    public static float[] Outputs(Prepared<Trainer, LogicData> setup, Params p)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Mlp.Forward(setup.Trainer.Spec, p, setup.Data.Inputs).reshape(-1).data<float>().ToArray();
    }
}
