using Functional.Shell.Verdicts;

namespace Functional.Shell.Commands;

/// <summary><c>logic</c>: the AND-gate tutorial and the other gates.</summary>
internal static class LogicCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new LogicOptions();
        var command = new ExerciseCommand("logic", "A 2-2-1 network learns a logic gate (AND by default) with SGD, one truth-table row per step", d.Seed, d.Epochs, d.Lr);
        var gate = command.Flags.Add(nameof(d.Gate), "--gate", $"Gate to learn: {string.Join("|", Logic.Gates)}", d.Gate, "-g");
        var hidden = command.Flags.Add(nameof(d.Hidden), "--hidden", $"Hidden width, 0 to {Limits.Width} (0 = a single neuron, which cannot learn xor)", d.Hidden);
        var common = command.Common;
        return ExerciseRunner.Command(command,
            r => new LogicOptions(r.GetValue(gate)!.ToLowerInvariant(), r.GetValue(hidden), r.GetValue(common.Epochs!), r.GetValue(common.Lr), r.GetValue(common.Seed)).Validate(),
            (o, context) => new Run(o, context.Console, context.Output), stdout, stderr);
    }

    private sealed class Run(LogicOptions o, RunConsole console, RunOutput output) : IExerciseRun
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
                console.Progress.WriteLine(Say.EpochLine(ep.Epoch, o.Epochs, ep.Loss));
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var stdout = console.Summary;
            var final = trained[0].Final;
            var outputs = Logic.Outputs(_setup, final.Params);
            var targets = Logic.TruthTable(o.Gate);
            var summary = new LogicSummary(o.Gate, o.Hidden, _setup.Trainer.Spec.HiddenActivation.Name,
                [.. Enumerable.Range(0, 4).Select(i => new double[] { Logic.Inputs[i, 0], Logic.Inputs[i, 1] })],
                [.. targets.Select(t => (double)t)], [.. outputs.Select(v => (double)v)],
                [.. final.Params.Items.Select(p => Summaries.Values(p.Name, p.Value))]);
            output.WriteRaw(Summaries.Event(summary));
            stdout.WriteLine();
            stdout.WriteLine("  x1  x2  target  output   rounded");
            for (var i = 0; i < 4; i++)
            {
                var rounded = Math.Round(outputs[i]) + 0.0; // + 0.0 turns -0 into 0
                stdout.WriteLine(string.Format(Inv, "  {0,2:0}  {1,2:0}  {2,6:0}  {3,7:F4}  {4,7:0}{5}",
                    Logic.Inputs[i, 0], Logic.Inputs[i, 1], targets[i], outputs[i], rounded, rounded == targets[i] ? "" : "  ✗"));
            }
            stdout.WriteLine();
            stdout.WriteLine("learned weights:");
            foreach (var (name, value) in final.Params.Items)
                stdout.WriteLine($"  {name,-10} {Format.Tensor(value)}");
            stdout.WriteLine();
            foreach (var line in LogicVerdict.Lines(summary)) stdout.WriteLine(line);
            if (trained[0].Result is { CheckpointPath: { } saved, ExitCode: ExitCodes.Ok } && output.OutDir is { } folder)
                stdout.WriteLine(Say.Wrote(folder, [saved]));
        }

        public void Dispose() => _setup.Dispose();
    }
}
