using System.CommandLine;
using System.Globalization;
using Functional.Training;
using Functional.Training.Exercises;

namespace Functional.Shell.Commands;

/// <summary><c>perceptron</c>: the "Neural Networks" tutorial's walkthrough of one layer, one loss, one gradient, one update.</summary>
internal static class PerceptronCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new PerceptronOptions();
        var seed = new Option<long>("--seed", "-s") { Description = "Random seed (same numbers as torch.manual_seed)", DefaultValueFactory = _ => defaults.Seed };
        var lr = new Option<double>("--lr") { Description = "Learning rate of the update", DefaultValueFactory = _ => defaults.Lr };
        var inputs = new Option<int>("--inputs") { Description = "Input size", DefaultValueFactory = _ => defaults.Inputs };
        var outputs = new Option<int>("--outputs") { Description = "Output size", DefaultValueFactory = _ => defaults.Outputs };
        var log = new Option<string?>("--log") { Description = "Write the optimizer step as JSON Lines to this file" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the final comparison" };
        var command = new Command("perceptron", "The perceptron walkthrough: Linear(48, 10) + sigmoid, shapes, output, MSE, the gradient, and a manual update against an SGD step");
        foreach (var o in new Option[] { seed, lr, inputs, outputs, log, quiet })
            command.Options.Add(o);
        command.SetAction((r, cancel) =>
        {
            var options = new PerceptronOptions(r.GetValue(inputs), r.GetValue(outputs), r.GetValue(lr), r.GetValue(seed)).Validate();
            using var output = RunOutput.Open(r.GetValue(log), null);
            return Task.FromResult(Run(options, output, r.GetValue(quiet), stdout, stderr, cancel));
        });
        return command;
    }

    internal static int Run(PerceptronOptions o, RunOutput output, bool quiet, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        using var setup = Perceptron.Prepare(o);
        using var walk = Perceptron.Walk(setup);
        var p = setup.Initial.Params;
        var (w, b) = (setup.Trainer.Spec.Layers[0].WeightName, setup.Trainer.Spec.Layers[0].BiasName);
        void Section(string title)
        {
            if (quiet) return;
            stdout.WriteLine();
            stdout.WriteLine($"== {title}");
        }
        void Line(string text)
        {
            if (!quiet) stdout.WriteLine(text);
        }

        Line($"perceptron walkthrough, seed {o.Seed} (draws: the layer's weight and bias, then the input, then the target)");
        Section("1. the model");
        Line($"Perceptron({o.Inputs} → {o.Outputs}): {Perceptron.LayerName} = Linear({o.Inputs}, {o.Outputs}), then sigmoid   [{setup.Trainer.Spec}]");
        Section("2. its parameters");
        foreach (var line in p.Describe()) Line($"  {line}");
        Line($"  {p.ElementCount} numbers in all; {b} = {Format.Tensor(p[b])}");
        Section("3. a forward pass on a random input");
        Line($"  input  = randn(1, {o.Inputs}): shape [{string.Join(", ", setup.Input.shape)}]");
        Line($"  output = sigmoid(fc(input)): shape [{string.Join(", ", walk.Output.shape)}]");
        Line($"  output = {Format.Tensor(walk.Output)}");
        Section("4. the loss against a random target");
        Line($"  target = randn(1, {o.Outputs}) = {Format.Tensor(setup.Target)}");
        Line(string.Format(Inv, "  MSE(output, target) = {0:F6}", walk.Loss));
        Section("5. the gradient of the bias");
        Line($"  before backprop: {b}.grad does not exist yet (PyTorch prints None): nothing has been differentiated");
        Line($"  after backprop (d loss / d {b}): {Format.Tensor(walk.Gradient[b])}");
        Line($"  (and d loss / d {w} has shape [{string.Join(", ", walk.Gradient[w].shape)}], like the weight)");
        Section($"6. one update by hand: w ← w − lr·grad, lr = {o.Lr.ToString(Inv)}");
        Line($"  {b} after = {Format.Tensor(walk.ManualUpdate[b])}");

        Section("7. the same step by the optimizer: SGD(lr) from the same point");
        // No output folder: the session writes no checkpoint, but reports a stop the same way every command does.
        var run = new ExerciseRun("perceptron", setup.Trainer, setup.Initial, setup.Plan, Session.OptionsOf(o));
        var result = Session.Train(run, new SessionOptions(Resume: null, CheckpointEvery: 0), output, stderr, "", "try a smaller --lr", e =>
        {
            if (e is StepEvent s) Line(string.Format(Inv, "  step {0}: loss {1:F6} (before the update)", s.Epoch, s.Loss));
        }, cancel);
        var finished = result.Finished;
        using var final = finished.State;
        if (finished.Reason is StopReason.Completed)
        {
            Line($"  {b} after = {Format.Tensor(final.Params[b])}");
            var difference = Perceptron.MaxAbsDifference(walk.ManualUpdate, final.Params);
            stdout.WriteLine();
            stdout.WriteLine(difference == 0
                ? "manual update and optimizer step give the same weights (identical bits)"
                : string.Format(Inv, "manual update and optimizer step give the same weights up to float32 rounding (largest difference {0:G3}: "
                                     + "w − (lr·g) rounds lr·g first, the optimizer computes w + (−lr)·g in one go)", difference));
        }
        output.Commit();
        return result.ExitCode;
    }
}
