namespace Functional.Formats;

/// <summary>
/// The names of the files and folders of a run on disk (docs/run-format.md), in one place for every part that writes or
/// reads them: the shell makes the run and checkpoint folders, the checkpoint code names the files it reads in its
/// messages. A change here is a change of format.
/// </summary>
public static class RunLayout
{
    /// <summary>Where runs go by default, relative to the current folder: <c>runs/&lt;exercise&gt;/…</c>.</summary>
    public const string Root = "runs";

    /// <summary>The link to the newest run of an exercise, and the word that names that run wherever a run folder is asked for.</summary>
    public const string Latest = "latest";

    /// <summary>The run's log.</summary>
    public const string LogFile = "log.jsonl";

    /// <summary>The run's per-epoch numbers.</summary>
    public const string MetricsFile = "metrics.csv";

    /// <summary>The folder of checkpoints inside a run folder.</summary>
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>The params file of a checkpoint folder.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The optimizer-state file of a checkpoint folder.</summary>
    public const string OptimizerFile = "optim.safetensors";

    /// <summary>The run-info file of a checkpoint folder.</summary>
    public const string MetadataFile = "checkpoint.json";
}
