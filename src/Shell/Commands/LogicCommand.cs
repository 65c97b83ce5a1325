namespace Functional.Shell.Commands;

/// <summary><c>logic</c>: the AND-gate tutorial and the other gates.</summary>
internal static class LogicCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new LogicOptions();
        var (common, flags) = CommonOptions.Of("logic", defaults.Seed, defaults.Epochs, defaults.Lr);
        var gate = flags.Add(new Option<string>("--gate", "-g") { Description = $"Gate to learn: {string.Join("|", Logic.Gates)}", DefaultValueFactory = _ => defaults.Gate },
            nameof(LogicOptions.Gate));
        var hidden = flags.Add(new Option<int>("--hidden")
        {
            Description = $"Hidden width, 0 to {Limits.Width} (0 = a single neuron, which cannot learn xor)",
            DefaultValueFactory = _ => defaults.Hidden,
        }, nameof(LogicOptions.Hidden));
        return ExerciseRunner.Command("logic", "A 2-2-1 network learns a logic gate (AND by default) with SGD, one truth-table row per step", flags, common,
            r => new LogicOptions(r.GetValue(gate)!.ToLowerInvariant(), r.GetValue(hidden), r.GetValue(common.Epochs!), r.GetValue(common.Lr), r.GetValue(common.Seed)).Validate(),
            (o, context) => new Run(o, context.Console), stdout, stderr);
    }

    private sealed class Run(LogicOptions o, RunConsole console) : IExerciseRun
    {
        private readonly Prepared<Trainer, LogicData> _setup = Logic.Prepare(o);
        private readonly int _every = Format.ProgressInterval(o.Epochs);

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            var t = _setup.Trainer;
            console.Progress.WriteLine($"logic: {o.Gate.ToUpperInvariant()} gate, network {t.Spec}, {t.Loss.Name}, {t.Optimizer}, {o.Epochs} epochs, seed {o.Seed}");
            yield return Stage.Of("logic", _setup, o.MustMatchOnResume());
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            if (e is EpochEvent ep && (ep.Epoch % _every == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs))
                console.Progress.WriteLine(string.Format(Inv, "epoch {0,4}/{1}  loss {2:G6}", ep.Epoch, o.Epochs, ep.Loss));
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var stdout = console.Summary;
            var final = trained[0].Final;
            var outputs = Logic.Outputs(_setup, final.Params);
            var targets = Logic.TruthTable(o.Gate);
            var correct = 0;
            stdout.WriteLine();
            stdout.WriteLine("  x1  x2  target  output   rounded");
            for (var i = 0; i < 4; i++)
            {
                var rounded = Math.Round(outputs[i]) + 0.0; // + 0.0 turns -0 into 0
                if (rounded == targets[i]) correct++;
                stdout.WriteLine(string.Format(Inv, "  {0,2:0}  {1,2:0}  {2,6:0}  {3,7:F4}  {4,7:0}{5}",
                    Logic.Inputs[i, 0], Logic.Inputs[i, 1], targets[i], outputs[i], rounded, rounded == targets[i] ? "" : "  ✗"));
            }
            stdout.WriteLine();
            stdout.WriteLine("learned weights:");
            foreach (var (name, value) in final.Params.Items)
                stdout.WriteLine($"  {name,-10} {Format.Tensor(value)}");
            stdout.WriteLine();
            stdout.WriteLine($"{correct}/4 rows correct: the network {(correct == 4 ? "learned" : "did not learn")} {o.Gate.ToUpperInvariant()}"
                             + (correct < 4 && o.Hidden == 0 && o.Gate is "xor" or "xnor" ? " (a single neuron cannot: the classes are not linearly separable)" : ""));
            if (trained[0].Result is { CheckpointPath: { } saved, ExitCode: ExitCodes.Ok })
                stdout.WriteLine($"checkpoint: {saved}");
        }

        public void Dispose() => _setup.Dispose();
    }
}
