using Functional.Shell.Verdicts;
using Functional.Training.Checkpoints;
using static TorchSharp.torch;

namespace Functional.Shell.Commands;

/// <summary><c>mnist</c>: the MNIST digit classifier, on real MNIST files or the shipped sample; <c>mnist predict</c> for a user's image.</summary>
internal static class MnistCommand
{
    /// <summary>An MNIST run: the core's options and the shell's (the data folder, the test digit to show, the torch threads).</summary>
    private sealed record Options(MnistOptions Mnist, string? Data, int? Show, int Threads);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new MnistOptions();
        var command = new ExerciseCommand("mnist", "The MNIST digit classifier: 784-64-64-64-10 with ReLU and log-softmax, NLL loss, Adam, batches of 10", d.Seed, d.Epochs, d.Lr);
        var data = command.Flags.Add(new Option<string?>("--data", "-d") { Description = "Folder with the four MNIST files (train-images-idx3-ubyte, …; plain or .gz); default: the shipped sample" });
        var batch = command.Flags.Add(nameof(d.BatchSize), "--batch-size", "Images per step", d.BatchSize, "-b");
        var hidden = command.Flags.Add(nameof(d.Hidden), "--hidden", $"Hidden widths, comma-separated: up to {Limits.MnistLayers} layers of 1 to {Limits.Width} each",
            string.Join(",", d.HiddenSizes));
        var limit = command.Flags.AddWithoutDefault<int?>(nameof(d.Limit), "--limit", "Train on the first N training images only");
        var threads = ThreadsOption(command.Flags, "torch threads; at batch 10 one is fastest (more threads only wait on each other)");
        var show = command.Flags.AddWithoutDefault<int?>(nameof(Options.Show), "--show", "After training, draw test digit K as text with the network's top-3 probabilities");
        var common = command.Common;
        var mnist = ExerciseRunner.Command(command,
            r => new Options(new MnistOptions(r.GetValue(common.Epochs!), r.GetValue(batch), r.GetValue(common.Lr), Numbers.IntList(hidden.Name, r.GetValue(hidden)!),
                    r.GetValue(common.Seed), r.GetValue(limit)).Validate(), r.GetValue(data), r.GetValue(show), Threads(r, threads)),
            (o, context) => new Run(o, context), stdout, stderr);
        mnist.Subcommands.Add(PredictCommand(stdout));
        return mnist;
    }

    /// <summary>A <c>--threads</c> option (mnist's and bench mnist's), bound to <c>Threads</c> and capped at <see cref="Limits.Threads"/>.</summary>
    internal static Option<int> ThreadsOption(Flags flags, string description) =>
        flags.Add(nameof(Options.Threads), "--threads", $"{description}; 1 to {Limits.Threads}", 1);

    /// <summary>The <c>--threads</c> value, checked against its cap before any thread is made.</summary>
    internal static int Threads(ParseResult r, Option<int> threads) => Require.Between(nameof(Options.Threads), r.GetValue(threads), 1, Limits.Threads);

    private static Command PredictCommand(TextWriter stdout)
    {
        var image = new Argument<string>("IMAGE")
        {
            Description = $"A digit image (PNG, JPEG, BMP, GIF, WebP; at most {MnistRender.MaxImagePixels / 1_000_000} megapixels), "
                          + "dark on light or light on dark; prepared as MNIST's digits were: ink cropped, hairlines thickened, scaled into 20x20 keeping its shape, centred by mass in 28x28",
        };
        var model = new Option<string>("--model", "-m") { Description = "The trained network: an mnist run folder (its newest checkpoint), latest, a checkpoint folder (RUN/checkpoints/step-…), or a model .safetensors file", Required = true };
        var command = new Command("predict", "Classify your own digit image with a trained checkpoint");
        command.Arguments.Add(image);
        command.Options.Add(model);
        command.SetAction((r, _) => Task.FromResult(Predict(r.GetValue(image)!, r.GetValue(model)!, stdout)));
        return command;
    }

    private sealed class Run : IExerciseRun
    {
        private readonly Options _o;
        private readonly RunContext _context;
        private readonly MnistData _data;
        private readonly Prepared<Trainer, MnistTrainSet> _setup;
        private double _sum;
        private long _steps;

        public Run(Options o, RunContext context)
        {
            (_o, _context) = (o, context);
            set_num_threads(o.Threads);
            if (o.Data is null)
            {
                var sample = MnistFiles.SampleDir;
                if (!Directory.Exists(sample)) throw new UsageException($"no --data given and the shipped sample is missing ({sample}); pass --data DIR");
                _data = MnistFiles.Load(sample, "shipped sample");
                context.Console.Progress.WriteLine($"mnist: no --data given, using the shipped sample of real MNIST digits ({_data.TrainCount:N0} train / {_data.TestCount:N0} test, data/mnist-sample)");
            }
            else
                _data = MnistFiles.Load(o.Data, "--data");
            try
            {
                if (o.Show is { } k && (k < 0 || k >= _data.TestCount))
                    throw new OptionError(nameof(Options.Show), k, $"between 0 and {_data.TestCount - 1} (the test set has {_data.TestCount} digits)");
                _setup = Mnist.Prepare(o.Mnist, _data);
            }
            catch
            {
                _data.Dispose();
                throw;
            }
        }

        // One progress bar per epoch (the count restarts at each epoch's first step), fed by the loop's events.
        public ProgressBar Bar => new("mnist", _setup.Data.BatchesPerEpoch, "steps");

        // How many images it trains on, kept: the training images are freed before the report (Stopped).
        private long _trainImages;

        public IEnumerable<Stage> Stages(ReportProgress progress)
        {
            var (t, o) = (_setup.Trainer, _o.Mnist);
            _trainImages = _setup.Data.TrainPixels.shape[0];
            _context.Console.Progress.WriteLine($"mnist: network {t.Spec} (layers fc1..fc{t.Spec.LayerCount}), {t.Loss.Name}, {t.Optimizer}, "
                                                + $"batch {o.BatchSize}, {o.Epochs} epochs, {_trainImages:N0} training images, seed {o.Seed}");
            var mustMatch = o.MustMatchOnResume().Add("Data", _o.Data is null ? "shipped sample" : Path.GetFullPath(_o.Data));
            yield return Stage.Of("mnist", _setup, mustMatch);
        }

        public void Render(TrainEvent e, ReportProgress progress)
        {
            switch (e)
            {
                case StepEvent s:
                    if (s.Batch == 0 || _steps == 0) (_sum, _steps) = (0, 0);
                    _sum += s.Loss;
                    _steps++;
                    progress(s.Batch + 1, string.Format(Inv, "epoch {0}/{1}  loss {2:F4}", s.Epoch, _o.Mnist.Epochs, _sum / _steps));
                    break;
                case EpochEvent ep:
                    _context.Console.Progress.WriteLine(Say.EpochLine(ep.Epoch, _o.Mnist.Epochs, ep.Loss, ep.ValLoss, ep.Accuracy));
                    break;
            }
        }

        // The report needs the test set only: the training images (6 MB of pixels for the sample) go before it draws.
        public void Stopped(Trained trained)
        {
            _setup.Data.Dispose();
            _data.TrainPixels.Dispose();
            _data.TrainLabels.Dispose();
        }

        public void Report(IReadOnlyList<Trained> trained) =>
            MnistCommand.Report(_setup, _trainImages, _o.Mnist, trained[0].Final, _o.Show, trained[0].Result.CheckpointPath, _context.Output, _context.Console.Summary);

        public void Dispose()
        {
            _setup.Dispose();
            _data.Dispose();
        }
    }

    private static void Report(Prepared<Trainer, MnistTrainSet> setup, long trainImages, MnistOptions options, TrainState final, int? show, string? checkpoint, RunOutput output, TextWriter stdout)
    {
        var spec = setup.Trainer.Spec;
        var data = setup.Data.Data;
        using var inputs = Mnist.ToInputs(data.TestPixels);
        var predictions = Mnist.Predict(spec, final.Params, inputs);
        var truth = data.TestLabels.data<long>().ToArray().Select(l => (int)l).ToArray();
        var confusion = Mnist.Confusion(truth, [.. predictions.Select(p => p.Label)]);
        var summary = new MnistSummary(trainImages,
            [.. Enumerable.Range(0, confusion.GetLength(0)).Select(t => Enumerable.Range(0, confusion.GetLength(1)).Select(p => confusion[t, p]).ToArray())],
            show is { } shown ? new ShownDigit(shown, truth[shown], [.. predictions[shown].Probabilities.Select(v => (double)v)]) : null);
        output.WriteRaw(Summaries.Event(summary));
        stdout.WriteLine();
        MnistRender.ConfusionTable(stdout, confusion);

        float[]? pixels = null;
        float[] Pixels() => pixels ??= inputs.data<float>().ToArray();
        if (show is { } k)
        {
            stdout.WriteLine();
            stdout.WriteLine($"test digit {k} (true label {truth[k]}):");
            foreach (var line in MnistRender.TextArt(Pixels().AsSpan(k * Mnist.Pixels, Mnist.Pixels).ToArray())) stdout.WriteLine(line);
            stdout.WriteLine(MnistRender.Describe(predictions[k]));
        }
        stdout.WriteLine();
        foreach (var line in MnistVerdict.Lines(summary)) stdout.WriteLine(line);

        if (output.OutDir is not { } folder) return;
        var confusionPng = output.OutFile("confusion.png")!;
        var run = $"mnist: {spec}, {options.Epochs} epochs of {summary.TrainImages:N0} images, batch {options.BatchSize}, adam lr {options.Lr.ToString(Inv)}, seed {options.Seed}";
        MnistRender.ConfusionPng(confusionPng, confusion, $"MNIST test set: accuracy {Say.Percent(summary.Accuracy)} ({summary.Correct:N0}/{summary.Total:N0})", run);
        // The first 70 test digits, then up to 30 more mistakes, so the grid always shows what goes wrong.
        var first = Enumerable.Range(0, Math.Min(70, truth.Length)).ToList();
        var mistakes = Enumerable.Range(first.Count, truth.Length - first.Count).Where(i => predictions[i].Label != truth[i]).Take(100 - first.Count);
        var digitsPng = output.OutFile("test-digits.png")!;
        MnistRender.DigitGridPng(digitsPng, Pixels(), truth, predictions, [.. first, .. mistakes],
            "test digits: predicted / true (mistakes framed red; after #69 only mistakes)", run);
        // No checkpoint path when its write failed (the session already warned): list only what was written.
        stdout.WriteLine(Say.Wrote(folder, new[] { checkpoint, confusionPng, digitsPng }.OfType<string>()));
    }

    internal static int Predict(string imagePath, string modelPath, TextWriter stdout)
    {
        var (gray, width, height) = MnistRender.ReadGray(imagePath);
        var model = MnistFiles.LoadModel(modelPath);
        using var p = model.Params;
        Mnist.RequireClassifier(model.Spec, p, modelPath);
        PreparedDigit digit;
        try { digit = DigitPreprocessing.Prepare(gray, width, height); }
        catch (ArgumentException e) { throw new InvalidDataException($"{imagePath}: {e.Message}"); }
        using var scope = NewDisposeScope();
        var prediction = Mnist.Predict(model.Spec, p, tensor(digit.Pixels, [1, Mnist.Pixels]))[0];
        stdout.WriteLine($"{imagePath}: {width}x{height}, as the network sees it:");
        foreach (var line in MnistRender.TextArt(digit.Pixels)) stdout.WriteLine(line);
        stdout.WriteLine(MnistRender.DescribePreprocessing(digit));
        stdout.WriteLine(MnistRender.Describe(prediction));
        return ExitCodes.Ok;
    }
}
