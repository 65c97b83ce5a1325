using System.CommandLine;
using System.Globalization;
using Functional.Training;
using Functional.Training.Exercises;

namespace Functional.Shell.Commands;

/// <summary><c>logic</c>: the AND-gate tutorial and the other gates.</summary>
internal static class LogicCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new LogicOptions();
        var common = new CommonOptions("logic", defaults.Seed, defaults.Epochs, defaults.Lr);
        var gate = new Option<string>("--gate", "-g") { Description = $"Gate to learn: {string.Join("|", Logic.Gates)}", DefaultValueFactory = _ => defaults.Gate };
        var hidden = new Option<int>("--hidden") { Description = "Hidden width (0 = a single neuron, which cannot learn xor)", DefaultValueFactory = _ => defaults.Hidden };
        var command = new Command("logic", "A 2-2-1 network learns a logic gate (AND by default) with SGD, one truth-table row per step");
        common.AddTo(command);
        command.Options.Add(gate);
        command.Options.Add(hidden);
        command.SetAction((r, cancel) =>
        {
            var options = new LogicOptions(r.GetValue(gate)!.ToLowerInvariant(), r.GetValue(hidden), r.GetValue(common.Epochs), r.GetValue(common.Lr), r.GetValue(common.Seed)).Validate();
            var session = common.Session(r);
            using var output = common.Output(r);
            var code = Run(options, session, output, r.GetValue(common.Quiet), CommonOptions.RepeatCommand(r), stdout, stderr, cancel);
            return Task.FromResult(code);
        });
        return command;
    }

    internal static int Run(LogicOptions o, SessionOptions session, RunOutput output, bool quiet, string repeat, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        using var setup = Logic.Prepare(o);
        var run = Session.Resume(new ExerciseRun("logic", setup.Trainer, setup.Initial, setup.Plan, Session.OptionsOf(o, nameof(o.Epochs))), session, output, stdout);
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"logic: {o.Gate.ToUpperInvariant()} gate, network {setup.Trainer.Spec}, {setup.Trainer.Loss.Name}, {setup.Trainer.Optimizer}, {o.Epochs} epochs, seed {o.Seed}");
        var every = Format.ProgressInterval(o.Epochs);
        var result = Session.Train(run, session, output, stderr, repeat, "try a smaller --lr", e =>
        {
            if (!quiet && e is EpochEvent ep && (ep.Epoch % every == 0 || ep.Epoch == 1 || ep.Epoch == o.Epochs))
                stdout.WriteLine(string.Format(inv, "epoch {0,4}/{1}  loss {2:G6}", ep.Epoch, o.Epochs, ep.Loss));
        }, cancel);
        output.Commit();
        using var final = result.Finished.State;
        if (result.Finished.Reason is not StopReason.Completed) return result.ExitCode; // the session said why; a half-trained table would mislead
        var outputs = Logic.Outputs(setup, final.Params);
        var targets = Logic.TruthTable(o.Gate);
        var correct = 0;
        stdout.WriteLine();
        stdout.WriteLine("  x1  x2  target  output   rounded");
        for (var i = 0; i < 4; i++)
        {
            var rounded = Math.Round(outputs[i]) + 0.0; // + 0.0 turns -0 into 0
            if (rounded == targets[i]) correct++;
            stdout.WriteLine(string.Format(inv, "  {0,2:0}  {1,2:0}  {2,6:0}  {3,7:F4}  {4,7:0}{5}",
                Logic.Inputs[i, 0], Logic.Inputs[i, 1], targets[i], outputs[i], rounded, rounded == targets[i] ? "" : "  ✗"));
        }
        stdout.WriteLine();
        stdout.WriteLine("learned weights:");
        foreach (var (name, value) in final.Params.Items)
            stdout.WriteLine($"  {name,-10} {Format.Tensor(value)}");
        stdout.WriteLine();
        stdout.WriteLine($"{correct}/4 rows correct: the network {(correct == 4 ? "learned" : "did not learn")} {o.Gate.ToUpperInvariant()}"
                         + (correct < 4 && o.Hidden == 0 && o.Gate is "xor" or "xnor" ? " (a single neuron cannot: the classes are not linearly separable)" : ""));
        if (result.CheckpointPath is { } saved && result.ExitCode == ExitCodes.Ok)
            stdout.WriteLine($"checkpoint: {saved}");
        return result.ExitCode;
    }
}
