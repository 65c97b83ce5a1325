using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Functional.Formats;
using Functional.Model;
using Functional.Training.Ensembles;
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

    /// <summary>
    /// Optimizer steps the whole run has taken: the checkpoint's name. Equal to the state's own step count except in runs
    /// made of several trainings (the XOR suite's stages), where it counts the earlier trainings' steps too.
    /// </summary>
    public long Step { get; init; }

    /// <summary>The number of event lines (every line after the header) the run's log holds up to this checkpoint.</summary>
    public long LogEvents { get; init; }

    /// <summary>
    /// Event lines the log could not take before this checkpoint (a write failed, e.g. on a full disk): a resumed run
    /// appends them after the first <see cref="LogEvents"/> lines, so its log still holds every event once. Usually empty.
    /// </summary>
    public ImmutableArray<string> PendingLog { get; init; } = [];
}

/// <summary>
/// The three files of a checkpoint folder, as bytes: <see cref="RunLayout.ModelFile"/> (the params, a plain state dict
/// PyTorch loads), <see cref="RunLayout.OptimizerFile"/> (the optimizer state) and <see cref="RunLayout.MetadataFile"/>
/// (the run info as JSON).
/// </summary>
public sealed record CheckpointFiles(byte[] Model, byte[] Optimizer, byte[] Metadata);

/// <summary>A checkpoint read back: the state to continue from and its run info.</summary>
public sealed record Restored(TrainState State, RunInfo Info);

/// <summary>
/// Checkpoints, format <see cref="Format"/> (docs/run-format.md): the params under their PyTorch state-dict names in
/// <c>model.safetensors</c> (<c>model.load_state_dict(load_file(path))</c> works unchanged for a single model), the
/// optimizer state under torch.optim's names in <c>optim.safetensors</c>, and the run info in <c>checkpoint.json</c>.
/// Pure: bytes in, bytes out; the shell does the folder, the temporary name, the fsyncs and the rename. Reading checks
/// every field, range, tensor name, dtype and shape before any tensor or generator state reaches libtorch, and reports
/// any problem as one line (<see cref="InvalidDataException"/>).
/// </summary>
public static class Checkpoint
{
    /// <summary>The format tag of <c>checkpoint.json</c>.</summary>
    public const string Format = "functional-checkpoint/2";

    /// <summary>The format of the single-file checkpoints of earlier versions (<c>&lt;exercise&gt;.safetensors</c> with a <c>.optim.safetensors</c> sibling): refused.</summary>
    public const string OlderFormat = "functional-checkpoint/1";

    /// <summary>The format tag of a stacked ensemble's <c>model.safetensors</c> (a single model's is <see cref="ModelCheckpoint.Format"/>).</summary>
    public const string EnsembleModelFormat = "functional-ensemble/1";

    /// <summary>The largest <c>checkpoint.json</c> read (its stage record grows with an XOR suite's epochs and members).</summary>
    public const int MaxMetadataBytes = 64 << 20;

    // Bounds that keep a hostile checkpoint.json from asking for work or memory out of proportion.
    private const int MaxMembers = 1 << 20;
    private const int MaxPendingLines = 1 << 20;

    /// <summary>Serialises <paramref name="state"/> and <paramref name="info"/> (whose <see cref="RunInfo.Step"/> names the checkpoint).</summary>
    public static CheckpointFiles Serialize(TrainState state, RunInfo info)
    {
        var optimizer = info.Optimizer.ToJson();
        var spec = SpecJson.Write(info.Spec);
        var expected = ExpectedShapes(info.Spec);
        var stacked = state.Params.Items.Any(p => !expected.TryGetValue(p.Name, out var shape) || !p.Value.shape.SequenceEqual(shape));
        var modelMeta = stacked
            ? new Dictionary<string, string> { ["format"] = EnsembleModelFormat, ["spec"] = spec, ["members"] = Ensemble.Size(state.Params).ToString(CultureInfo.InvariantCulture) }
            : new Dictionary<string, string> { ["format"] = ModelCheckpoint.Format, ["spec"] = spec };
        var model = SafeTensors.Serialize([.. state.Params.Items.Select(p => SafeTensors.FromTensor(p.Name, p.Value))], modelMeta);
        var optim = SafeTensors.Serialize([.. state.Optimizer.Tensors.Select(t => SafeTensors.FromTensor(t.Name, t.Value))],
            new Dictionary<string, string> { ["optimizer"] = optimizer });
        return new CheckpointFiles(model, optim, MetadataJson(state, info, spec, optimizer));
    }

    private static byte[] MetadataJson(TrainState state, RunInfo info, string spec, string optimizer)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("exercise", info.Exercise);
            w.WriteNumber("step", info.Step);
            w.WriteNumber("train_step", state.Step);
            w.WriteStartObject("next");
            w.WriteNumber("epoch", info.Next.Epoch);
            w.WriteNumber("batch", info.Next.Batch);
            WriteNumber(w, "epoch_loss_sum", info.Next.EpochLossSum);
            if (info.Next.MemberLossSums is { } sums)
            {
                w.WriteStartArray("member_loss_sums");
                foreach (var s in sums) WriteNumber(w, null, s);
                w.WriteEndArray();
            }
            else w.WriteNull("member_loss_sums");
            w.WriteEndObject();
            w.WritePropertyName("spec");
            w.WriteRawValue(spec);
            w.WritePropertyName("optimizer");
            w.WriteRawValue(optimizer);
            w.WriteStartObject("options");
            foreach (var (k, v) in info.Options) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteString("rng", Convert.ToBase64String(state.Rng.GetState()));
            w.WriteStartObject("log");
            w.WriteNumber("events", info.LogEvents);
            w.WriteStartArray("pending");
            foreach (var line in info.PendingLog) w.WriteStringValue(line);
            w.WriteEndArray();
            w.WriteEndObject();
            if (info.Stage is { } stage) w.WriteString("stage", stage);
            else w.WriteNull("stage");
            w.WriteEndObject();
        }
        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    // Loss sums turn NaN or infinite once an ensemble member diverged: JSON numbers cannot say so, the log's strings can.
    private static void WriteNumber(Utf8JsonWriter w, string? name, double x)
    {
        if (name is not null) w.WritePropertyName(name);
        if (double.IsFinite(x)) w.WriteNumberValue(x);
        else w.WriteStringValue(x.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Reads and checks a checkpoint's run info (<c>checkpoint.json</c>) without its tensors: the format, that it was made by
    /// <paramref name="exercise"/>, every field's type and range (positions, step counts, the generator state's size and
    /// fields, the member sums). Any problem throws <see cref="InvalidDataException"/> with one line starting with
    /// <paramref name="name"/>. A multi-stage run reads its <see cref="RunInfo.Stage"/> here to know which trainer to
    /// restore the state for.
    /// </summary>
    public static RunInfo ReadInfo(ReadOnlySpan<byte> metadata, string name, string exercise) => ReadChecked(metadata, name, exercise).Info;

    /// <summary>
    /// Reads a checkpoint made for <paramref name="trainer"/>'s spec and optimizer, checking every tensor's name, dtype and
    /// shape against <paramref name="like"/> (a fresh state of this run: its params and optimizer state have the shapes a
    /// checkpoint of it must have, an ensemble's member dimension included) before any tensor is made. Any mismatch throws
    /// <see cref="InvalidDataException"/> with one line starting with <paramref name="name"/>. The returned state's
    /// tensors belong to the caller; <paramref name="like"/> is not touched.
    /// </summary>
    public static Restored Deserialize(CheckpointFiles files, string name, string exercise, ITrainer trainer, TrainState like)
    {
        var (info, trainStep, rng) = ReadChecked(files.Metadata, name, exercise);
        if (info.Spec != trainer.Spec)
            throw new InvalidDataException($"{name}: made for network {info.Spec}, but this run's network is {trainer.Spec}");
        if (info.Optimizer != trainer.Optimizer)
            throw new InvalidDataException($"{name}: made with {info.Optimizer}, but this run uses {trainer.Optimizer}");
        RequireMemberSums(info.Next, trainer is Trainer ? null : Ensemble.Size(like.Params), name);
        var model = SafeTensors.Deserialize(files.Model, $"{name}/{RunLayout.ModelFile}");
        var optim = SafeTensors.Deserialize(files.Optimizer, $"{name}/{RunLayout.OptimizerFile}");
        RequireTensors(model, like.Params.Items, $"{name}/{RunLayout.ModelFile}", "parameter");
        RequireTensors(optim, like.Optimizer.Tensors, $"{name}/{RunLayout.OptimizerFile}", "optimizer tensor");
        var made = new List<IDisposable>();
        try
        {
            var p = new Params(like.Params.Names, like.Params.Names.Select(n => Made(SafeTensors.ToTensor(model[n]), made)));
            var optTensors = optim.Tensors.ToDictionary(e => e.Name, e => Made(SafeTensors.ToTensor(e), made));
            var state = new TrainState(p, trainer.Optimizer.Restore(p, optTensors), trainStep, rng);
            return new Restored(state, info);
        }
        catch
        {
            foreach (var t in made) t.Dispose();
            throw;
        }
    }

    /// <summary>Whether a safetensors file's metadata says it is a checkpoint of the older single-file format (<see cref="OlderFormat"/>).</summary>
    public static bool IsOlderFormat(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue("format", out var f) && f == OlderFormat;

    private static TorchSharp.torch.Tensor Made(TorchSharp.torch.Tensor t, List<IDisposable> made)
    {
        made.Add(t);
        return t;
    }

    // The file must hold exactly the expected tensors, each with the expected dtype and shape.
    private static void RequireTensors(SafeTensorsFile file, IEnumerable<(string Name, TorchSharp.torch.Tensor Value)> expected, string name, string what)
    {
        var wanted = expected.ToList();
        foreach (var (n, t) in wanted)
        {
            if (!file.TryGetTensor(n, out var entry)) throw new InvalidDataException($"{name}: lacks {what} '{n}'");
            var dtype = DTypeOf(t);
            if (entry.DType != dtype) throw new InvalidDataException($"{name}: {what} '{n}' is {entry.DType}, expected {dtype}");
            if (!entry.Shape.AsSpan().SequenceEqual(t.shape))
                throw new InvalidDataException($"{name}: {what} '{n}' has shape [{string.Join(", ", entry.Shape)}], this run's is [{string.Join(", ", t.shape)}]");
        }
        var known = wanted.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        var extra = file.Tensors.Select(t => t.Name).Where(n => !known.Contains(n)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{name}: holds tensors this run does not have: {string.Join(", ", extra.Take(5))}{(extra.Count > 5 ? $" and {extra.Count - 5} more" : "")}");
    }

    private static string DTypeOf(TorchSharp.torch.Tensor t) => t.dtype switch
    {
        TorchSharp.torch.ScalarType.Float32 => "F32",
        TorchSharp.torch.ScalarType.Float64 => "F64",
        TorchSharp.torch.ScalarType.Int64 => "I64",
        var other => throw new NotSupportedException($"no checkpoint dtype for {other}"),
    };

    private static void RequireMemberSums(Position next, int? members, string name)
    {
        var sums = next.MemberLossSums;
        if (members is null)
        {
            if (sums is not null) throw new InvalidDataException($"{name}: holds per-member loss sums, but this run trains one model");
            return;
        }
        if (sums is null && next.Batch > 0)
            throw new InvalidDataException($"{name}: stops inside epoch {next.Epoch} (batch {next.Batch}) without the members' loss sums so far");
        if (sums is not null && sums.Count != members)
            throw new InvalidDataException($"{name}: holds {sums.Count} member loss sums, this run trains {members} members");
    }

    private static (RunInfo Info, long TrainStep, Rng Rng) ReadChecked(ReadOnlySpan<byte> metadata, string name, string exercise)
    {
        if (metadata.Length > MaxMetadataBytes)
            throw new InvalidDataException($"{name}/{RunLayout.MetadataFile}: {metadata.Length:N0} bytes, more than the {MaxMetadataBytes:N0} a checkpoint's metadata may have");
        var where = $"{name}/{RunLayout.MetadataFile}";
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(metadata.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not JSON ({OneLine(e.Message)})");
        }
        using var _ = doc;
        var root = doc.RootElement;
        try
        {
            if (root.ValueKind != JsonValueKind.Object) throw Bad("not a JSON object");
            var format = Text(root, "format");
            if (format == OlderFormat) throw new InvalidDataException($"{where}: a checkpoint of the older format {OlderFormat}, which this version does not resume");
            if (format != Format) throw Bad($"unsupported checkpoint format '{format}' (this version reads {Format})");
            var made = Text(root, "exercise");
            if (made != exercise) throw new InvalidDataException($"{name}: a checkpoint of '{made}', not '{exercise}'");
            var step = Integer(root, "step", 0, long.MaxValue);
            var trainStep = Integer(root, "train_step", 0, step);
            var next = Field(root, "next", JsonValueKind.Object);
            var epoch = (int)Integer(next, "epoch", 1, int.MaxValue, "next.");
            var batch = (int)Integer(next, "batch", 0, int.MaxValue, "next.");
            var lossSum = Number(Field(next, "epoch_loss_sum", null, "next."), "next.epoch_loss_sum");
            if (!double.IsFinite(lossSum)) throw Bad($"next.epoch_loss_sum is {lossSum.ToString(CultureInfo.InvariantCulture)}, expected a finite number");
            var sumsElement = Field(next, "member_loss_sums", null, "next.");
            double[]? sums = null;
            if (sumsElement.ValueKind != JsonValueKind.Null)
            {
                if (sumsElement.ValueKind != JsonValueKind.Array) throw Bad("next.member_loss_sums is neither null nor an array");
                if (sumsElement.GetArrayLength() is var n and (0 or > MaxMembers)) throw Bad($"next.member_loss_sums has {n} values");
                sums = [.. sumsElement.EnumerateArray().Select(v => Number(v, "next.member_loss_sums"))];
            }
            var specText = Field(root, "spec", JsonValueKind.Object).GetRawText();
            var optimizerText = Field(root, "optimizer", JsonValueKind.Object).GetRawText();
            MlpSpec spec;
            Optimizer optimizer;
            try
            {
                spec = SpecJson.Read(specText);
                optimizer = Optimizer.FromJson(optimizerText);
            }
            catch (InvalidDataException e)
            {
                throw Bad(OneLine(e.Message));
            }
            var options = Field(root, "options", JsonValueKind.Object).EnumerateObject()
                .ToImmutableSortedDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Bad($"options.{p.Name} is not text"));
            var rng = ReadRng(Text(root, "rng"), where);
            var log = Field(root, "log", JsonValueKind.Object);
            var events = Integer(log, "events", 0, long.MaxValue, "log.");
            var pending = Field(log, "pending", JsonValueKind.Array, "log.");
            if (pending.GetArrayLength() > MaxPendingLines) throw Bad($"log.pending has {pending.GetArrayLength()} lines");
            var pendingLines = pending.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String && v.GetString() is { } s && !s.Contains('\n') && !s.Contains('\r')
                ? s : throw Bad("log.pending holds something that is not one line of text")).ToImmutableArray();
            var stageElement = Field(root, "stage", null);
            var stage = stageElement.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => stageElement.GetString(),
                _ => throw Bad("stage is neither null nor text"),
            };
            var info = new RunInfo(exercise, spec, optimizer, new Position(epoch, batch, lossSum) { MemberLossSums = sums }, options)
            {
                Stage = stage,
                Step = step,
                LogEvents = events,
                PendingLog = pendingLines,
            };
            return (info, trainStep, rng);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw Bad(OneLine(e.Message));
        }

        InvalidDataException Bad(string what) => new($"{where}: {what}");
    }

    private static Rng ReadRng(string base64, string where)
    {
        // The generator state has a fixed size: a longer text is refused before it is decoded.
        var expected = Rng.StateLength;
        if (base64.Length != (expected + 2) / 3 * 4)
            throw new InvalidDataException($"{where}: rng is {base64.Length} characters of base64, a generator state takes {(expected + 2) / 3 * 4}");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"{where}: rng is not base64");
        }
        if (Rng.StateProblem(bytes) is { } problem) throw new InvalidDataException($"{where}: rng is not a generator state ({problem})");
        return Rng.FromState(bytes);
    }

    private static JsonElement Field(JsonElement o, string key, JsonValueKind? kind, string prefix = "")
    {
        if (!o.TryGetProperty(key, out var v)) throw new FormatException($"no '{prefix}{key}'");
        if (kind is { } k && v.ValueKind != k) throw new FormatException($"'{prefix}{key}' is {JsonWords.Describe(v.ValueKind)}, expected {JsonWords.Describe(k)}");
        return v;
    }

    private static string Text(JsonElement o, string key) => Field(o, key, JsonValueKind.String).GetString()!;

    private static long Integer(JsonElement o, string key, long min, long max, string prefix = "")
    {
        var v = Field(o, key, JsonValueKind.Number, prefix);
        if (!v.TryGetInt64(out var x)) throw new FormatException($"'{prefix}{key}' is {v.GetRawText()}, expected a whole number");
        if (x < min || x > max)
            throw new FormatException($"'{prefix}{key}' is {x}, expected " + (max == long.MaxValue || max == int.MaxValue ? $"at least {min}" : $"{min} to {max}"));
        return x;
    }

    // A number, or one of the strings the log uses for the values JSON numbers cannot hold.
    private static double Number(JsonElement v, string what) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String => v.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException($"'{what}' holds \"{s}\", expected a number"),
        },
        var k => throw new FormatException($"'{what}' holds {JsonWords.Describe(k)}, expected a number"),
    };

    private static IReadOnlyDictionary<string, long[]> ExpectedShapes(MlpSpec spec) =>
        spec.Layers.SelectMany(l => l.ParamShapes).ToDictionary(p => p.Name, p => p.Shape);

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
