using System.CommandLine;

namespace Functional.Shell;

/// <summary>The options every exercise takes, with per-exercise defaults.</summary>
internal sealed class CommonOptions
{
    public Option<long> Seed { get; }
    public Option<int> Epochs { get; }
    public Option<double> Lr { get; }
    public Option<string?> Log { get; } = new("--log") { Description = "Write the training log as JSON Lines to this file" };
    public Option<string> Out { get; }
    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Also write a checkpoint every N epochs (0: only at the end)", DefaultValueFactory = _ => 0 };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run saved in this checkpoint (.safetensors); give the same options as the run that made it" };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only the final summary" };

    public CommonOptions(string exercise, long seed, int epochs, double lr)
    {
        Out = new("--out", "-o") { Description = "Folder for plots and checkpoints", DefaultValueFactory = _ => Path.Combine("runs", exercise) };
        Seed = new("--seed", "-s") { Description = "Random seed (same numbers as torch.manual_seed)", DefaultValueFactory = _ => seed };
        Epochs = new("--epochs", "-e") { Description = "Number of epochs", DefaultValueFactory = _ => epochs };
        Lr = new("--lr") { Description = "Learning rate", DefaultValueFactory = _ => lr };
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Seed, Epochs, Lr, Log, Out, Quiet, CheckpointEvery, Resume })
            command.Options.Add(o);
    }

    /// <summary>Where the run's files go; validated (creatable, writable) before any training starts.</summary>
    public RunOutput Output(ParseResult r) => RunOutput.Open(r.GetValue(Log), r.GetValue(Out));

    /// <summary>Checkpoint and resume settings; a negative --checkpoint-every is a usage error.</summary>
    public SessionOptions Session(ParseResult r)
    {
        var every = r.GetValue(CheckpointEvery);
        if (every < 0) throw new UsageException($"--checkpoint-every must be 0 or more, got {every}");
        return new SessionOptions(r.GetValue(Resume), every);
    }

    /// <summary>The command line that repeats this run (for the resume hint), without any --resume.</summary>
    public static string RepeatCommand(ParseResult r)
    {
        var tokens = r.Tokens.Select(t => t.Value).ToList();
        var i = tokens.IndexOf("--resume");
        if (i >= 0) tokens.RemoveRange(i, Math.Min(2, tokens.Count - i));
        return "dotnet run --project src/Shell -c Release -- " + string.Join(" ", tokens.Select(t => t.Contains(' ') ? $"\"{t}\"" : t));
    }
}
