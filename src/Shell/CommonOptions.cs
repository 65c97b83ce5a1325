using System.CommandLine;

namespace Functional.Shell;

/// <summary>The options every exercise takes, with per-exercise defaults.</summary>
internal sealed class CommonOptions
{
    public Option<long> Seed { get; }
    public Option<int> Epochs { get; }
    public Option<double> Lr { get; }
    public Option<string?> Log { get; } = new("--log") { Description = "Write the training log as JSON Lines to this file" };
    public Option<string?> Out { get; } = new("--out") { Description = "Folder for plots and checkpoints" };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only the final summary" };

    public CommonOptions(long seed, int epochs, double lr)
    {
        Seed = new("--seed", "-s") { Description = "Random seed (same numbers as torch.manual_seed)", DefaultValueFactory = _ => seed };
        Epochs = new("--epochs", "-e") { Description = "Number of epochs", DefaultValueFactory = _ => epochs };
        Lr = new("--lr") { Description = "Learning rate", DefaultValueFactory = _ => lr };
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Seed, Epochs, Lr, Log, Out, Quiet })
            command.Options.Add(o);
    }

    /// <summary>Where the run's files go; validated (creatable, writable) before any training starts.</summary>
    public RunOutput Output(ParseResult r, string exercise) => RunOutput.Open(r.GetValue(Log), r.GetValue(Out), exercise);
}
