using Functional.Shell.Verdicts;

namespace Functional.Shell.Commands;

/// <summary><c>perceptron</c>: the "Neural Networks" tutorial's walkthrough of one layer, one loss, one gradient, one update.</summary>
internal static class PerceptronCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new PerceptronOptions();
        // One step, no epochs: no --out, no checkpoints; the log holds the step.
        var command = new ExerciseCommand("perceptron", "The perceptron walkthrough: Linear(48, 10) + sigmoid, shapes, output, MSE, the gradient, and a manual update against an SGD step",
            d.Seed, epochs: null, d.Lr);
        var common = command.Common;
        common.Lr.Description = $"Learning rate of the update (positive, at most {Limits.Float32Number.ToString("0e0", Inv)})";
        common.Log!.Description = "Write the optimizer step as JSON Lines to this file";
        var inputs = command.Flags.Add(nameof(d.Inputs), "--inputs", $"Input size, 1 to {Limits.PerceptronSize}", d.Inputs);
        var outputs = command.Flags.Add(nameof(d.Outputs), "--outputs", $"Output size, 1 to {Limits.PerceptronSize}", d.Outputs);
        return ExerciseRunner.Command(command,
            r => new PerceptronOptions(r.GetValue(inputs), r.GetValue(outputs), r.GetValue(common.Lr), r.GetValue(common.Seed)).Validate(),
            (o, context) => new Run(o, context.Console, context.Output), stdout, stderr);
    }

    private sealed class Run(PerceptronOptions o, RunConsole console, RunOutput output) : IExerciseRun
    {
        private readonly Prepared<Trainer, PerceptronData> _setup = Perceptron.Prepare(o);
        private PerceptronWalk? _walk;

        private string Weight => _setup.Trainer.Spec.Layers[0].WeightName;
        private string Bias => _setup.Trainer.Spec.Layers[0].BiasName;

        private void Section(string title)
        {
            console.Progress.WriteLine();
            console.Progress.WriteLine($"== {title}");
        }

        private void Line(string text) => console.Progress.WriteLine(text);

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            _walk = Perceptron.Walk(_setup);
            var (p, walk, w, b) = (_setup.Initial.Params, _walk, Weight, Bias);
            Line($"perceptron walkthrough, seed {o.Seed} (draws: the layer's weight and bias, then the input, then the target)");
            Section("1. the model");
            Line($"Perceptron({o.Inputs} → {o.Outputs}): {Perceptron.LayerName} = Linear({o.Inputs}, {o.Outputs}), then sigmoid   [{_setup.Trainer.Spec}]");
            Section("2. its parameters");
            foreach (var line in p.Describe()) Line($"  {line}");
            Line($"  {p.ElementCount} numbers in all; {b} = {Format.Tensor(p[b])}");
            Section("3. a forward pass on a random input");
            Line($"  input  = randn(1, {o.Inputs}): shape [{string.Join(", ", _setup.Data.Input.shape)}]");
            Line($"  output = sigmoid(fc(input)): shape [{string.Join(", ", walk.Output.shape)}]");
            Line($"  output = {Format.Tensor(walk.Output)}");
            Section("4. the loss against a random target");
            Line($"  target = randn(1, {o.Outputs}) = {Format.Tensor(_setup.Data.Target)}");
            Line(string.Format(Inv, "  MSE(output, target) = {0:F6}", walk.Loss));
            Section("5. the gradient of the bias");
            Line($"  before backprop: {b}.grad does not exist yet (PyTorch prints None): nothing has been differentiated");
            Line($"  after backprop (d loss / d {b}): {Format.Tensor(walk.Gradient[b])}");
            Line($"  (and d loss / d {w} has shape [{string.Join(", ", walk.Gradient[w].shape)}], like the weight)");
            Section($"6. one update by hand: w ← w − lr·grad, lr = {o.Lr.ToString(Inv)}");
            Line($"  {b} after = {Format.Tensor(walk.ManualUpdate[b])}");
            Section("7. the same step by the optimizer: SGD(lr) from the same point");
            // No output folder: the session writes no checkpoint, but reports a stop the same way every command does.
            yield return Stage.Of("perceptron", _setup, o.MustMatchOnResume());
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (e is StepEvent s) Line(string.Format(Inv, "  step {0}: loss {1:F6} (before the update)", s.Epoch, s.Loss));
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var final = trained[0].Final;
            Line($"  {Bias} after = {Format.Tensor(final.Params[Bias])}");
            var walk = _walk!;
            var p = final.Params; // the initial params are gone (the run disposed them); the shapes are the same
            var summary = new PerceptronSummary(Perceptron.LayerName, _setup.Data.Input.shape, p[Weight].shape, p[Bias].shape, walk.Output.shape,
                Summaries.Values("output", walk.Output).Values, Summaries.Values("target", _setup.Data.Target).Values, walk.Loss,
                Summaries.Values(Bias, walk.Gradient[Bias]).Values, o.Lr, Perceptron.MaxAbsDifference(walk.ManualUpdate, final.Params));
            output.WriteRaw(Summaries.Event(summary));
            console.Summary.WriteLine();
            foreach (var line in PerceptronVerdict.Lines(summary)) console.Summary.WriteLine(line);
        }

        public void Dispose()
        {
            _walk?.Dispose();
            _setup.Dispose();
        }
    }
}
