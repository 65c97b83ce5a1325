using Functional.Training.Data;

namespace Functional.Shell.Commands;

/// <summary><c>xor</c>: the XOR tutorial's run — noisy XOR batches, a 2-2-1 network, MSE, SGD.</summary>
internal static class XorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new XorOptions();
        var (common, flags) = CommonOptions.Of("xor", defaults.Seed, defaults.Epochs, defaults.Lr);
        var activation = flags.Add(new Option<string>("--activation", "-a") { Description = $"Hidden activation: {string.Join("|", XorOptions.Activations)}", DefaultValueFactory = _ => defaults.Activation },
            nameof(XorOptions.Activation));
        var init = flags.Add(new Option<string>("--init") { Description = "Init: default (PyTorch's Linear init) | uniform (U(-1,1) for every parameter)", DefaultValueFactory = _ => defaults.Init },
            nameof(XorOptions.Init));
        var center = flags.Add(new Option<bool>("--center") { Description = "Map inputs and targets from {0,1} to {-1,1}" }, nameof(XorOptions.Center));
        var hidden = flags.Add(new Option<int>("--hidden") { Description = $"Hidden width, 1 to {Limits.Width}", DefaultValueFactory = _ => defaults.Hidden }, nameof(XorOptions.Hidden));
        var inputs = flags.Add(new Option<int>("--inputs")
        {
            Description = $"Input bits, 1 to {Limits.ParityInputs}; the target is their parity (2 = XOR). Each sample draws N randint(0,1) bits, then N input noises, then the target noise",
            DefaultValueFactory = _ => defaults.Inputs,
        }, nameof(XorOptions.Inputs));
        var data = flags.Add(DataOption(), nameof(XorOptions.Data));
        return ExerciseRunner.Command("xor", "The XOR tutorial: noisy XOR batches of 10, a 2-2-1 network, MSE and SGD; test loss and accuracy per epoch", flags, common,
            r => new XorOptions(r.GetValue(activation)!.ToLowerInvariant(), r.GetValue(init)!.ToLowerInvariant(), r.GetValue(center),
                r.GetValue(common.Lr), r.GetValue(common.Epochs!), r.GetValue(hidden), r.GetValue(inputs), r.GetValue(common.Seed), ParseData(r.GetValue(data)!)).Validate(),
            (o, context) => new Run(o, context), stdout, stderr);
    }

    /// <summary>The data streams by their <c>--data</c> names.</summary>
    private static readonly IReadOnlyDictionary<string, XorDataStream> DataStreams = new Dictionary<string, XorDataStream>
    {
        ["python"] = XorDataStream.Python,
        ["torch"] = XorDataStream.Torch,
    };

    /// <summary>The <c>--data</c> option (shared with <c>xor-experiments</c>), to bind to the options record's <c>Data</c>.</summary>
    internal static Option<string> DataOption() => new("--data")
    {
        Description = "Where the data come from: python = the tutorial's cell (Python's random.seed(seed), 3 demo batches, then 500 train "
                      + "and 50 test; the init from torch.manual_seed(seed)) | torch = torch.randint/torch.rand under torch.manual_seed(seed), the init after them",
        DefaultValueFactory = _ => "python",
    };

    /// <summary>The stream a <c>--data</c> value names; anything else is an <see cref="OptionError"/> for <c>Data</c>.</summary>
    internal static XorDataStream ParseData(string name) => DataStreams[Require.OneOf(nameof(XorOptions.Data), name.ToLowerInvariant(), DataStreams.Keys)];

    /// <summary>The <c>--data</c> name of a stream.</summary>
    internal static string DataName(XorDataStream stream) => DataStreams.Single(kv => kv.Value == stream).Key;

    // The lines every 100 batches are the progress display (a live bar on stderr would garble them).
    private sealed class Run(XorOptions o, RunContext context) : IExerciseRun
    {
        private readonly Prepared<Trainer, XorSets> _setup = Xor.Prepare(o);
        private readonly List<double> _stepLosses = [];
        private readonly List<EpochEvent> _epochs = [];
        private double _window;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            var t = _setup.Trainer;
            context.Console.Progress.WriteLine($"xor: network {t.Spec}, init {o.Init}{(o.Center ? ", centered {-1,1}" : "")}, {t.Loss.Name}, "
                                               + $"{t.Optimizer}, {o.Epochs} epochs of {Xor.TrainBatches} batches of {Xor.BatchSize}, seed {o.Seed}, data {DataName(o.Data)}");
            yield return Stage.Of("xor", _setup, o.MustMatchOnResume());
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            switch (e)
            {
                case StepEvent s:
                    _stepLosses.Add(s.Loss);
                    _window += s.Loss;
                    if ((s.Batch + 1) % 100 == 0)
                    {
                        context.Console.Progress.WriteLine(string.Format(Inv, "epoch {0,3}  batch {1,3}  train loss {2:F6}", s.Epoch, s.Batch + 1, _window / 100));
                        _window = 0;
                    }
                    break;
                case EpochEvent ep:
                    _epochs.Add(ep);
                    context.Console.Progress.WriteLine(string.Format(Inv, "epoch {0,3}  test loss {1:F6}  accuracy {2:P1}", ep.Epoch, ep.ValLoss, ep.Accuracy));
                    break;
            }
        }

        public void Report(IReadOnlyList<Trained> trained)
        {
            var (stdout, output) = (context.Console.Summary, context.Output);
            var last = _epochs.LastOrDefault();
            var firstPerfect = _epochs.FirstOrDefault(e => e.Accuracy >= 1.0)?.Epoch;
            stdout.WriteLine();
            if (last is not null)
                stdout.WriteLine(string.Format(Inv, "after {0} epochs: test loss {1:F6}, accuracy {2:P1}{3}", last.Epoch, last.ValLoss, last.Accuracy,
                    firstPerfect is { } f ? $" (first 100% at epoch {f})" : " (never 100%)"));
            output.WriteRaw(string.Format(Inv, "{{\"event\":\"summary\",\"accuracy\":{0},\"test_loss\":{1},\"first_perfect_epoch\":{2}}}",
                RunOutput.Json(last?.Accuracy ?? double.NaN), RunOutput.Json(last?.ValLoss ?? double.NaN), firstPerfect?.ToString(Inv) ?? "null"));
            var spec = _setup.Trainer.Spec;
            if (output.OutFile("xor-loss.png") is { } lossPng)
            {
                var x = Enumerable.Range(1, _stepLosses.Count).Select(i => (double)i).ToArray();
                Charts.Save(lossPng, $"XOR {spec}, lr {o.Lr.ToString(Inv)}, seed {o.Seed}: training loss per batch", "batch", "MSE loss (log scale)",
                    [new Series("train loss per batch", x, [.. _stepLosses]) { Color = "#1f77b4" },
                     new Series("test loss per epoch", [.. _epochs.Select(e => (double)e.Epoch * Xor.TrainBatches)], [.. _epochs.Select(e => e.ValLoss ?? double.NaN)]) { Color = "#d62728" }],
                    logY: true);
                stdout.WriteLine($"wrote {lossPng}");
            }
            if (o.Inputs == 2 && output.OutFile("xor-surface.png") is { } surfacePng)
            {
                var (lo, hi) = o.Center ? (-1.5, 1.6) : (-0.5, 1.6);
                var surface = Xor.Surface(spec, trained[0].Final.Params, lo, hi, 121);
                var points = Xor.TestPoints(_setup.Data.Test);
                Charts.SaveSurface(surfacePng, $"XOR decision surface ({o.Activation}{(o.Center ? ", centered" : "")}, seed {o.Seed}): network output",
                    "x1", "x2", surface.Xs, surface.Ys, surface.Z,
                    [new Series("test target ≈ " + (o.Center ? "-1" : "0"), points.X0, points.Y0) { Points = true, Color = "#e41a1c" },
                     new Series("test target ≈ 1", points.X1, points.Y1) { Points = true, Color = "#000000" }]);
                stdout.WriteLine($"wrote {surfacePng}");
            }
        }

        public void Dispose() => _setup.Dispose();
    }
}
