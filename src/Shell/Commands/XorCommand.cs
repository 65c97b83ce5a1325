using System.CommandLine;
using System.Globalization;
using Functional.Shell.Rendering;
using Functional.Training;
using Functional.Training.Data;
using Functional.Training.Exercises;

namespace Functional.Shell.Commands;

/// <summary><c>xor</c>: the XOR tutorial's run — noisy XOR batches, a 2-2-1 network, MSE, SGD.</summary>
internal static class XorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new XorOptions();
        var common = new CommonOptions("xor", defaults.Seed, defaults.Epochs, defaults.Lr);
        var activation = new Option<string>("--activation", "-a") { Description = $"Hidden activation: {string.Join("|", XorOptions.Activations)}", DefaultValueFactory = _ => defaults.Activation };
        var init = new Option<string>("--init") { Description = "Init: default (PyTorch's Linear init) | uniform (U(-1,1) for every parameter)", DefaultValueFactory = _ => defaults.Init };
        var center = new Option<bool>("--center") { Description = "Map inputs and targets from {0,1} to {-1,1}" };
        var hidden = new Option<int>("--hidden") { Description = "Hidden width", DefaultValueFactory = _ => defaults.Hidden };
        var inputs = new Option<int>("--inputs") { Description = "Input bits; the target is their parity (2 = XOR). Each sample draws N randint(0,1) bits, then N input noises, then the target noise", DefaultValueFactory = _ => defaults.Inputs };
        var data = DataOption();
        var command = new Command("xor", "The XOR tutorial: noisy XOR batches of 10, a 2-2-1 network, MSE and SGD; test loss and accuracy per epoch");
        common.AddTo(command);
        foreach (var o in new Option[] { activation, init, center, hidden, inputs, data })
            command.Options.Add(o);
        command.SetAction((r, cancel) =>
        {
            var options = new XorOptions(r.GetValue(activation)!.ToLowerInvariant(), r.GetValue(init)!.ToLowerInvariant(), r.GetValue(center),
                r.GetValue(common.Lr), r.GetValue(common.Epochs), r.GetValue(hidden), r.GetValue(inputs), r.GetValue(common.Seed), ParseData(r.GetValue(data)!)).Validate();
            var session = common.Session(r);
            using var output = common.Output(r);
            return Task.FromResult(Run(options, session, output, r.GetValue(common.Quiet), CommonOptions.RepeatCommand(r), stdout, stderr, cancel));
        });
        return command;
    }

    /// <summary>The data streams by their <c>--data</c> names.</summary>
    private static readonly IReadOnlyDictionary<string, XorDataStream> DataStreams = new Dictionary<string, XorDataStream>
    {
        ["python"] = XorDataStream.Python,
        ["torch"] = XorDataStream.Torch,
    };

    /// <summary>The <c>--data</c> option (shared with <c>xor-experiments</c>).</summary>
    internal static Option<string> DataOption() => new("--data")
    {
        Description = "Where the data come from: python = the tutorial's cell (Python's random.seed(seed), 3 demo batches, then 500 train "
                      + "and 50 test; the init from torch.manual_seed(seed)) | torch = torch.randint/torch.rand under torch.manual_seed(seed), the init after them",
        DefaultValueFactory = _ => "python",
    };

    /// <summary>The stream a <c>--data</c> value names; anything else is a usage error.</summary>
    internal static XorDataStream ParseData(string name) =>
        DataStreams.TryGetValue(name.ToLowerInvariant(), out var stream)
            ? stream
            : throw new UsageException($"--data must be one of: {string.Join(", ", DataStreams.Keys)}; got '{name}'");

    /// <summary>The <c>--data</c> name of a stream.</summary>
    internal static string DataName(XorDataStream stream) => DataStreams.Single(kv => kv.Value == stream).Key;

    internal static int Run(XorOptions o, SessionOptions session, RunOutput output, bool quiet, string repeat, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        using var setup = Xor.Prepare(o);
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"xor: network {setup.Trainer.Spec}, init {o.Init}{(o.Center ? ", centered {-1,1}" : "")}, {setup.Trainer.Loss.Name}, "
                         + $"{setup.Trainer.Optimizer}, {o.Epochs} epochs of {Xor.TrainBatches} batches of {Xor.BatchSize}, seed {o.Seed}, data {DataName(o.Data)}");
        var stepLosses = new List<double>(o.Epochs * Xor.TrainBatches);
        var epochs = new List<EpochEvent>();
        double window = 0;
        // The lines every 100 batches are the progress display (a live bar on stderr would garble them).
        var run = Session.Resume(new ExerciseRun("xor", setup.Trainer, setup.Initial, setup.Plan, Session.OptionsOf(o, nameof(o.Epochs))), session, output, stdout);
        var result = Session.Train(run, session, output, stderr, repeat, "try a smaller --lr", e =>
        {
            switch (e)
            {
                case StepEvent s:
                    stepLosses.Add(s.Loss);
                    window += s.Loss;
                    if ((s.Batch + 1) % 100 == 0)
                    {
                        if (!quiet) stdout.WriteLine(string.Format(inv, "epoch {0,3}  batch {1,3}  train loss {2:F6}", s.Epoch, s.Batch + 1, window / 100));
                        window = 0;
                    }
                    break;
                case EpochEvent ep:
                    epochs.Add(ep);
                    if (!quiet) stdout.WriteLine(string.Format(inv, "epoch {0,3}  test loss {1:F6}  accuracy {2:P1}", ep.Epoch, ep.ValLoss, ep.Accuracy));
                    break;
            }
        }, cancel);
        using var final = result.Finished.State;
        if (result.Finished.Reason is not StopReason.Completed)
        {
            output.Commit();
            return result.ExitCode;
        }
        var last = epochs.LastOrDefault();
        var firstPerfect = epochs.FirstOrDefault(e => e.Accuracy >= 1.0)?.Epoch;
        stdout.WriteLine();
        if (last is not null)
            stdout.WriteLine(string.Format(inv, "after {0} epochs: test loss {1:F6}, accuracy {2:P1}{3}", last.Epoch, last.ValLoss, last.Accuracy,
                firstPerfect is { } f ? $" (first 100% at epoch {f})" : " (never 100%)"));
        output.WriteRaw(string.Format(inv, "{{\"event\":\"summary\",\"accuracy\":{0},\"test_loss\":{1},\"first_perfect_epoch\":{2}}}",
            RunOutput.Json(last?.Accuracy ?? double.NaN), RunOutput.Json(last?.ValLoss ?? double.NaN), firstPerfect?.ToString(inv) ?? "null"));
        if (output.OutFile("xor-loss.png") is { } lossPng)
        {
            var x = Enumerable.Range(1, stepLosses.Count).Select(i => (double)i).ToArray();
            Charts.Save(lossPng, $"XOR {setup.Trainer.Spec}, lr {o.Lr.ToString(inv)}, seed {o.Seed}: training loss per batch", "batch", "MSE loss (log scale)",
                [new Series("train loss per batch", x, [.. stepLosses]) { Color = "#1f77b4" },
                 new Series("test loss per epoch", [.. epochs.Select(e => (double)e.Epoch * Xor.TrainBatches)], [.. epochs.Select(e => e.ValLoss ?? double.NaN)]) { Color = "#d62728" }],
                logY: true);
            stdout.WriteLine($"wrote {lossPng}");
        }
        if (o.Inputs == 2 && output.OutFile("xor-surface.png") is { } surfacePng)
        {
            var (lo, hi) = o.Center ? (-1.5, 1.6) : (-0.5, 1.6);
            var surface = Xor.Surface(setup.Trainer.Spec, final.Params, lo, hi, 121);
            var points = Xor.TestPoints(setup.Test);
            Charts.SaveSurface(surfacePng, $"XOR decision surface ({o.Activation}{(o.Center ? ", centered" : "")}, seed {o.Seed}): network output",
                "x1", "x2", surface.Xs, surface.Ys, surface.Z,
                [new Series("test target ≈ " + (o.Center ? "-1" : "0"), points.X0, points.Y0) { Points = true, Color = "#e41a1c" },
                 new Series("test target ≈ 1", points.X1, points.Y1) { Points = true, Color = "#000000" }]);
            stdout.WriteLine($"wrote {surfacePng}");
        }
        output.Commit();
        return result.ExitCode;
    }
}
