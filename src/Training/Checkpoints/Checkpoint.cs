using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Functional.Model;
using Functional.Training.Optimizers;

namespace Functional.Training.Checkpoints;

/// <summary>
/// What a checkpoint records about its run besides tensors: enough to check it belongs to the command being resumed
/// and to continue exactly where it stopped.
/// </summary>
/// <param name="Exercise">Command name, e.g. <c>logic</c>.</param>
/// <param name="Spec">The network.</param>
/// <param name="Optimizer">The optimizer, stored as data (<see cref="Optimizers.Optimizer.ToJson"/>) and compared by value on resume.</param>
/// <param name="Next">Where a resumed run continues.</param>
/// <param name="Options">The run's options that must match on resume (name → value text).</param>
public sealed record RunInfo(string Exercise, MlpSpec Spec, Optimizer Optimizer, Position Next, ImmutableSortedDictionary<string, string> Options)
{
    /// <summary>A multi-stage run's own record of where it stands (e.g. the XOR suite's stage and results so far, as text); null for one-stage runs.</summary>
    public string? Stage { get; init; }
}

/// <summary>The bytes of a checkpoint: the params file (loadable by <c>safetensors.torch.load_file</c> into the tutorial's module) and its optimizer-state sibling.</summary>
public sealed record CheckpointBytes(byte[] Params, byte[] Optimizer);

/// <summary>A checkpoint read back: the state to continue from and its run info.</summary>
public sealed record Restored(TrainState State, RunInfo Info);

/// <summary>
/// Checkpoints as two safetensors files: the params under their PyTorch state-dict names with the run's metadata in
/// <c>__metadata__</c>, and a sibling with the optimizer state (kept apart so <c>model.load_state_dict(load_file(path))</c>
/// works unchanged in PyTorch). Both carry the same checkpoint id so a mismatched pair is detected.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format tag written into every checkpoint's metadata.</summary>
    public const string Format = "functional-checkpoint/1";

    /// <summary>Serialises <paramref name="state"/> and <paramref name="info"/>.</summary>
    public static CheckpointBytes Serialize(TrainState state, RunInfo info)
    {
        var id = $"{state.Step}-{Guid.NewGuid():N}";
        var inv = CultureInfo.InvariantCulture;
        var optimizer = info.Optimizer.ToJson();
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["checkpoint_id"] = id,
            ["exercise"] = info.Exercise,
            ["spec"] = SpecJson.Write(info.Spec),
            ["optimizer"] = optimizer,
            ["step"] = state.Step.ToString(inv),
            ["next_epoch"] = info.Next.Epoch.ToString(inv),
            ["next_batch"] = info.Next.Batch.ToString(inv),
            ["epoch_loss_sum"] = info.Next.EpochLossSum.ToString("R", inv),
            ["member_loss_sums"] = info.Next.MemberLossSums is { } sums ? JsonSerializer.Serialize(sums, Numbers) : "null",
            ["rng"] = Convert.ToBase64String(state.Rng.GetState()),
            ["options"] = JsonSerializer.Serialize(info.Options),
        };
        if (info.Stage is { } stage) meta["stage"] = stage;
        var paramsFile = SafeTensors.Serialize([.. state.Params.Items.Select(p => SafeTensors.FromTensor(p.Name, p.Value))], meta);
        var optimFile = SafeTensors.Serialize([.. state.Optimizer.Tensors.Select(t => SafeTensors.FromTensor(t.Name, t.Value))],
            new Dictionary<string, string> { ["format"] = Format, ["checkpoint_id"] = id, ["optimizer"] = optimizer });
        return new CheckpointBytes(paramsFile, optimFile);
    }

    /// <summary>
    /// Reads a checkpoint's run info without its tensors: checks the format, that both files belong together and that it
    /// was made by <paramref name="exercise"/>. Any problem throws <see cref="InvalidDataException"/> with one line naming
    /// <paramref name="name"/>. A multi-stage run reads its <see cref="RunInfo.Stage"/> here to know which trainer to
    /// restore the state for.
    /// </summary>
    public static RunInfo ReadInfo(CheckpointBytes bytes, string name, string exercise) => Read(bytes, name, exercise).Info;

    /// <summary>
    /// Reads a checkpoint made for <paramref name="trainer"/>'s spec and optimizer. Any mismatch (another exercise, spec or
    /// optimizer, a torn pair of files, missing tensors) throws <see cref="InvalidDataException"/> with one line naming
    /// <paramref name="name"/>. The returned state's tensors belong to the caller.
    /// </summary>
    public static Restored Deserialize(CheckpointBytes bytes, string name, string exercise, ITrainer trainer)
    {
        var (file, optim, meta, info) = Read(bytes, name, exercise);
        if (info.Spec != trainer.Spec)
            throw new InvalidDataException($"{name}: made for network {info.Spec}, but this run's network is {trainer.Spec}");
        if (info.Optimizer != trainer.Optimizer)
            throw new InvalidDataException($"{name}: made with {info.Optimizer}, but this run uses {trainer.Optimizer}");
        var inv = CultureInfo.InvariantCulture;
        try
        {
            var names = info.Spec.ParamNames();
            var p = new Params(names, names.Select(n => file.TryGetTensor(n, out var e)
                ? SafeTensors.ToTensor(e)
                : throw new InvalidDataException($"{name}: lacks parameter '{n}'")));
            var optTensors = optim.Tensors.ToDictionary(e => e.Name, SafeTensors.ToTensor);
            var state = new TrainState(p, trainer.Optimizer.Restore(p, optTensors),
                long.Parse(Get(meta, "step", name), inv), Rng.FromState(Convert.FromBase64String(Get(meta, "rng", name))));
            return new Restored(state, info);
        }
        catch (Exception e) when (e is FormatException or JsonException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{name}: corrupt checkpoint metadata ({e.Message})");
        }
    }

    private static (SafeTensorsFile File, SafeTensorsFile Optim, IReadOnlyDictionary<string, string> Meta, RunInfo Info) Read(CheckpointBytes bytes, string name, string exercise)
    {
        var file = SafeTensors.Deserialize(bytes.Params, name);
        var optim = SafeTensors.Deserialize(bytes.Optimizer, $"{name} (optimizer state)");
        var meta = file.Metadata ?? throw new InvalidDataException($"{name}: not a Functional checkpoint (no metadata)");
        if (Get(meta, "format", name) != Format) throw new InvalidDataException($"{name}: unsupported checkpoint format '{Get(meta, "format", name)}'");
        if (Get(optim.Metadata, "checkpoint_id", name) != Get(meta, "checkpoint_id", name))
            throw new InvalidDataException($"{name}: its optimizer-state file belongs to another checkpoint (torn write?)");
        if (Get(meta, "exercise", name) != exercise)
            throw new InvalidDataException($"{name}: a checkpoint of '{Get(meta, "exercise", name)}', not '{exercise}'");
        var inv = CultureInfo.InvariantCulture;
        try
        {
            var spec = SpecJson.Read(Get(meta, "spec", name));
            // Checkpoints written before ensembles could resume have no member sums: a single model's.
            var sums = meta.TryGetValue("member_loss_sums", out var s) ? JsonSerializer.Deserialize<double[]?>(s, Numbers) : null;
            var next = new Position(int.Parse(Get(meta, "next_epoch", name), inv), int.Parse(Get(meta, "next_batch", name), inv),
                double.Parse(Get(meta, "epoch_loss_sum", name), inv)) { MemberLossSums = sums };
            var options = JsonSerializer.Deserialize<Dictionary<string, string>>(Get(meta, "options", name))
                          ?? throw new InvalidDataException($"{name}: no options");
            var info = new RunInfo(exercise, spec, ReadOptimizer(Get(meta, "optimizer", name), name), next, options.ToImmutableSortedDictionary())
            {
                Stage = meta.TryGetValue("stage", out var stage) ? stage : null,
            };
            return (file, optim, meta, info);
        }
        catch (Exception e) when (e is FormatException or JsonException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{name}: corrupt checkpoint metadata ({e.Message})");
        }
    }

    private static Optimizer ReadOptimizer(string json, string name)
    {
        try
        {
            return Optimizer.FromJson(json);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: corrupt checkpoint metadata ({e.Message})");
        }
    }

    private static string Get(IReadOnlyDictionary<string, string>? m, string key, string name) =>
        m is not null && m.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{name}: not a Functional checkpoint (no '{key}')");

    // Loss sums are NaN or infinite once a member diverged: JSON numbers cannot say so, named literals can.
    private static readonly JsonSerializerOptions Numbers = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
