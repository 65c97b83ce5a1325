using System.CommandLine;
using System.Globalization;
using Functional.Shell.Rendering;
using Functional.Training;
using Functional.Training.Checkpoints;
using Functional.Training.Exercises;
using static TorchSharp.torch;

namespace Functional.Shell.Commands;

/// <summary><c>mnist</c>: the MNIST digit classifier, on real MNIST files or the shipped sample; <c>mnist predict</c> for a user's image.</summary>
internal static class MnistCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var defaults = new MnistOptions();
        var common = new CommonOptions("mnist", defaults.Seed, defaults.Epochs, defaults.Lr);
        var data = new Option<string?>("--data", "-d") { Description = "Folder with the four MNIST files (train-images-idx3-ubyte, …; plain or .gz); default: the shipped sample" };
        var batch = new Option<int>("--batch-size", "-b") { Description = "Images per step", DefaultValueFactory = _ => defaults.BatchSize };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths, comma-separated", DefaultValueFactory = _ => string.Join(",", defaults.HiddenSizes) };
        var limit = new Option<int?>("--limit") { Description = "Train on the first N training images only" };
        var threads = new Option<int>("--threads") { Description = "torch threads; at batch 10 one is fastest (more threads only wait on each other)", DefaultValueFactory = _ => 1 };
        var show = new Option<int?>("--show") { Description = "After training, draw test digit K as text with the network's top-3 probabilities" };
        var command = new Command("mnist", "The MNIST digit classifier: 784-64-64-64-10 with ReLU and log-softmax, NLL loss, Adam, batches of 10");
        common.AddTo(command);
        foreach (var o in new Option[] { data, batch, hidden, limit, show, threads }) command.Options.Add(o);
        command.SetAction((r, cancel) =>
        {
            var options = new MnistOptions(r.GetValue(common.Epochs), r.GetValue(batch), r.GetValue(common.Lr), ParseHidden(r.GetValue(hidden)!),
                r.GetValue(common.Seed), r.GetValue(limit)).Validate();
            var n = r.GetValue(threads);
            if (n <= 0) throw new UsageException($"--threads must be positive, got {n}");
            var session = common.Session(r);
            using var output = common.Output(r);
            set_num_threads(n);
            return Task.FromResult(Run(options, r.GetValue(data), r.GetValue(show), session, output, r.GetValue(common.Quiet), CommonOptions.RepeatCommand(r), stdout, stderr, cancel));
        });
        command.Subcommands.Add(PredictCommand(stdout));
        return command;
    }

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

    internal static IReadOnlyList<int> ParseHidden(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return [.. parts.Select(p => int.TryParse(p, NumberStyles.None, Inv, out var h) && h > 0
            ? h
            : throw new UsageException($"--hidden {text}: expected positive widths separated by commas, e.g. 64,64,64"))];
    }

    internal static int Run(MnistOptions o, string? dataDir, int? show, SessionOptions session, RunOutput output, bool quiet, string repeat,
        TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        MnistData data;
        if (dataDir is null)
        {
            var sample = MnistFiles.SampleDir;
            if (!Directory.Exists(sample)) throw new UsageException($"no --data given and the shipped sample is missing ({sample}); pass --data DIR");
            data = MnistFiles.Load(sample, "shipped sample");
            stdout.WriteLine($"mnist: no --data given, using the shipped sample of real MNIST digits ({data.TrainCount:N0} train / {data.TestCount:N0} test, data/mnist-sample)");
        }
        else
            data = MnistFiles.Load(dataDir, "--data");
        using var _ = data;
        if (show is { } k && (k < 0 || k >= data.TestCount))
            throw new UsageException($"--show {k}: the test set has {data.TestCount:N0} digits (0..{data.TestCount - 1})");

        using var setup = Mnist.Prepare(o, data);
        var trainer = setup.Trainer;
        stdout.WriteLine($"mnist: network {trainer.Spec} (layers fc1..fc{trainer.Spec.LayerCount}), {trainer.Loss.Name}, {trainer.Optimizer}, "
                         + $"batch {o.BatchSize}, {o.Epochs} epochs, {setup.TrainImages.shape[0]:N0} training images, seed {o.Seed}");

        var options = Session.OptionsOf(o, nameof(o.Epochs)).Add("Data", dataDir is null ? "shipped sample" : Path.GetFullPath(dataDir));
        var run = Session.Resume(new ExerciseRun("mnist", trainer, setup.Initial, setup.Plan, options), session, output, stdout);
        var result = Train(setup, run, session, o, output, quiet, repeat, stdout, stderr, cancel);
        output.Commit();
        using var final = result.Finished.State;
        if (result.Finished.Reason is StopReason.Completed)
            Report(setup, final, show, result.CheckpointPath, output, stdout);
        return result.ExitCode;
    }

    // One progress bar per epoch (the count restarts at each epoch's first step), fed by the loop's events.
    private static SessionResult Train(MnistSetup setup, ExerciseRun run, SessionOptions session, MnistOptions o, RunOutput output, bool quiet, string repeat,
        TextWriter stdout, TextWriter stderr, CancellationToken cancel) =>
        Progress.Run(stderr, quiet, "mnist", setup.BatchesPerEpoch, "steps", report =>
        {
            double sum = 0;
            long steps = 0;
            return Session.Train(run, session, output, stderr, repeat, "try a smaller --lr", e =>
            {
                switch (e)
                {
                    case StepEvent s:
                        if (s.Batch == 0 || steps == 0) (sum, steps) = (0, 0);
                        sum += s.Loss;
                        steps++;
                        report(s.Batch + 1, string.Format(Inv, "epoch {0}/{1}  loss {2:F4}", s.Epoch, o.Epochs, sum / steps));
                        break;
                    case EpochEvent ep when !quiet:
                        stdout.WriteLine(string.Format(Inv, "epoch {0}/{1}  train loss {2:F4}  test loss {3:F4}  test accuracy {4:F4}",
                            ep.Epoch, o.Epochs, ep.Loss, ep.ValLoss, ep.Accuracy));
                        break;
                }
            }, cancel);
        });

    private static void Report(MnistSetup setup, TrainState final, int? show, string? checkpoint, RunOutput output, TextWriter stdout)
    {
        var spec = setup.Trainer.Spec;
        var data = setup.Data;
        var predictions = Mnist.Predict(spec, final.Params, data.TestImages);
        var truth = data.TestLabels.data<long>().ToArray().Select(l => (int)l).ToArray();
        var confusion = Mnist.Confusion(truth, [.. predictions.Select(p => p.Label)]);
        var correct = Enumerable.Range(0, truth.Length).Count(i => predictions[i].Label == truth[i]);
        stdout.WriteLine();
        MnistRender.ConfusionTable(stdout, confusion);
        stdout.WriteLine(string.Format(Inv, "test accuracy {0:F4} ({1:N0}/{2:N0} correct)", (double)correct / truth.Length, correct, truth.Length));

        float[]? pixels = null;
        float[] Pixels() => pixels ??= data.TestImages.contiguous().data<float>().ToArray();
        if (show is { } k)
        {
            stdout.WriteLine();
            stdout.WriteLine($"test digit {k} (true label {truth[k]}):");
            foreach (var line in MnistRender.TextArt(Pixels().AsSpan(k * Mnist.Pixels, Mnist.Pixels).ToArray())) stdout.WriteLine(line);
            stdout.WriteLine(MnistRender.Describe(predictions[k]) + (predictions[k].Label == truth[k] ? "   (correct)" : "   (wrong)"));
        }

        if (output.OutDir is null) return;
        var accuracy = ((double)correct / truth.Length).ToString("F4", Inv);
        var confusionPng = output.OutFile("confusion.png")!;
        MnistRender.ConfusionPng(confusionPng, confusion, $"MNIST test set: accuracy {accuracy} ({correct:N0}/{truth.Length:N0})");
        // The first 70 test digits, then up to 30 more mistakes, so the grid always shows what goes wrong.
        var first = Enumerable.Range(0, Math.Min(70, truth.Length)).ToList();
        var mistakes = Enumerable.Range(first.Count, truth.Length - first.Count).Where(i => predictions[i].Label != truth[i]).Take(100 - first.Count);
        var digitsPng = output.OutFile("test-digits.png")!;
        MnistRender.DigitGridPng(digitsPng, Pixels(), truth, predictions, [.. first, .. mistakes],
            "test digits: predicted / true (mistakes framed red; after #69 only mistakes)");
        stdout.WriteLine();
        // No checkpoint path when its write failed (the session already warned): list only what was written.
        stdout.WriteLine($"wrote {string.Join(", ", new[] { checkpoint, confusionPng, digitsPng }.OfType<string>())}");
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
