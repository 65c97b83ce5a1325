using Functional.Formats;
using System.Collections.Immutable;
using System.Text.Json;
using Functional.Training.Checkpoints;

namespace Functional.Shell.Reports;

/// <summary>One <c>epoch</c> event of a single-model run (docs/run-format.md); <see cref="Part"/> is 1 when the event has none.</summary>
internal sealed record EpochPoint(int Part, int Epoch, double Loss, double? ValLoss, double? Accuracy);

/// <summary>One <c>member_epoch</c> event of an ensemble: one value per member.</summary>
internal sealed record MemberEpochPoint(int Part, int Epoch, ImmutableArray<double> Loss, ImmutableArray<double>? ValLoss, ImmutableArray<double>? Accuracy)
{
    /// <summary>The mean over the members whose value is finite, or NaN when none is; the count that is not finite.</summary>
    public static (double Mean, int NotFinite) Mean(ImmutableArray<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return (finite.Count > 0 ? finite.Average() : double.NaN, values.Length - finite.Count);
    }
}

/// <summary>A complete checkpoint folder of the run: its global step and where its run continues from it.</summary>
internal sealed record CheckpointEntry(long Step, string Path, int? NextEpoch, int? NextBatch, ImmutableArray<(string Name, long Bytes)> Files);

/// <summary>
/// Everything a report says about a run, read from its folder alone (docs/run-format.md): the log's header and events,
/// the checkpoints, the plots and result files. Never the console: a report made long after the run, or of a run that
/// was killed, reads the same files. Numbers are the log's, unrounded.
/// </summary>
internal sealed record RunRecord
{
    /// <summary>Where the XOR suite's results are (its plots are the folder's <c>xor-exp*.png</c>).</summary>
    public const string ExperimentsFile = "xor-experiments.json";

    // Inlined images and result files are read no further than this.
    private const long MaxFileBytes = 64L << 20;

    /// <summary>The run folder (full path, symlinks resolved).</summary>
    public required string Folder { get; init; }

    /// <summary>The log's header line.</summary>
    public required JsonElement Header { get; init; }

    /// <summary>The exercise the header names.</summary>
    public required string Exercise { get; init; }

    /// <summary>The command line as the header records it (arguments after the program, quoted for a POSIX shell).</summary>
    public required string Command { get; init; }

    /// <summary>The header's start time, or null when it has none (a reference fixture).</summary>
    public DateTimeOffset? Started { get; init; }

    /// <summary>When the log was last written: the end of a finished run (the log has no clock of its own for it).</summary>
    public required DateTimeOffset LogWritten { get; init; }

    /// <summary>The <c>end</c> event's outcome (completed, interrupted, diverged, failed); null when the log has none (the process was killed, or runs).</summary>
    public string? Outcome { get; init; }

    /// <summary>The pid of the live process that holds the run, or null.</summary>
    public int? RunningPid { get; init; }

    /// <summary>The <c>epoch</c> events in order.</summary>
    public ImmutableArray<EpochPoint> Epochs { get; init; } = [];

    /// <summary>The <c>member_epoch</c> events in order.</summary>
    public ImmutableArray<MemberEpochPoint> MemberEpochs { get; init; } = [];

    /// <summary>The <c>step</c> events' losses in order, with their epoch and batch.</summary>
    public ImmutableArray<(int Epoch, int Batch, double Loss)> Steps { get; init; } = [];

    /// <summary>The last <c>summary</c> event, or null.</summary>
    public JsonElement? Summary { get; init; }

    /// <summary>The <c>run</c> events (a weight-decay comparison's trainings), in order.</summary>
    public ImmutableArray<JsonElement> Trainings { get; init; } = [];

    /// <summary>The complete checkpoints, oldest first.</summary>
    public ImmutableArray<CheckpointEntry> Checkpoints { get; init; } = [];

    /// <summary>The folder's plots (<c>*.png</c>), by file name.</summary>
    public ImmutableArray<string> Plots { get; init; } = [];

    /// <summary>The XOR suite's <c>xor-experiments.json</c>, or null.</summary>
    public JsonElement? Experiments { get; init; }

    /// <summary>Log lines that were not JSON objects (a torn line is left out before this).</summary>
    public int UnreadableLines { get; init; }

    /// <summary>How the run stands: <c>running</c>, its outcome, or <c>killed</c> for a log without an end.</summary>
    public string Status => RunningPid is not null ? "running" : Outcome ?? "killed";

    /// <summary>A header string field, or null.</summary>
    public string? HeaderText(string name) =>
        Header.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The header's effective settings as text, in the header's order (empty when it has none).</summary>
    public IReadOnlyList<(string Key, string Value)> Settings => Pairs("settings");

    /// <summary>The header's options (the command line with defaults), as text.</summary>
    public IReadOnlyList<(string Key, string Value)> Config => Pairs("config");

    /// <summary>An effective setting, or null.</summary>
    public string? Setting(string key) => Settings.FirstOrDefault(s => s.Key == key).Value;

    /// <summary>The parts (trainings) the log's epochs belong to, ascending.</summary>
    public IReadOnlyList<int> Parts => [.. Epochs.Select(e => e.Part).Concat(MemberEpochs.Select(e => e.Part)).Distinct().Order()];

    /// <summary>Whether the run trained ensembles (its epochs are <c>member_epoch</c> events).</summary>
    public bool IsEnsemble => MemberEpochs.Length > 0;

    private IReadOnlyList<(string Key, string Value)> Pairs(string name) =>
        Header.TryGetProperty(name, out var o) && o.ValueKind == JsonValueKind.Object
            ? [.. o.EnumerateObject().Select(p => (p.Name, Text(p.Value)))]
            : [];

    /// <summary>A JSON value as a person reads it: strings bare, null as "null", numbers as written.</summary>
    public static string Text(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => v.GetRawText(),
    };

    /// <summary>
    /// A <c>step</c> event read straight from its bytes: an object whose <c>event</c> is "step" with whole-number
    /// <c>epoch</c> and <c>batch</c> and a log number <c>loss</c> (other fields skipped). False for anything else, which
    /// the caller reads as a document (and so judges alike).
    /// </summary>
    internal static bool TryStep(ReadOnlySpan<byte> line, out (int Epoch, int Batch, double Loss) step)
    {
        step = default;
        var (isStep, epoch, batch, loss) = (false, (int?)null, (int?)null, (double?)null);
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // A field read twice is left to the document, which decides which one counts.
                var field = reader.ValueTextEquals("event"u8) ? 1 : reader.ValueTextEquals("epoch"u8) ? 2
                    : reader.ValueTextEquals("batch"u8) ? 3 : reader.ValueTextEquals("loss"u8) ? 4 : 0;
                if (!reader.Read()) return false;
                switch (field)
                {
                    case 0:
                        reader.Skip();
                        break;
                    case 1 when !isStep && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("step"u8):
                        isStep = true;
                        break;
                    case 2 when epoch is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var e):
                        epoch = e;
                        break;
                    case 3 when batch is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var b):
                        batch = b;
                        break;
                    case 4 when loss is null && reader.TokenType == JsonTokenType.Number:
                        loss = reader.GetDouble();
                        break;
                    case 4 when loss is null && reader.TokenType == JsonTokenType.String
                                && double.TryParse(reader.GetString(), NumberStyles.Float, Inv, out var named):
                        loss = named;
                        break;
                    default:
                        return false;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return false;
        }
        catch (JsonException)
        {
            return false;
        }
        if (!isStep || epoch is null || batch is null || loss is null) return false;
        step = (epoch.Value, batch.Value, loss.Value);
        return true;
    }

    /// <summary>A log number: a JSON number, or the strings NaN, Infinity, -Infinity the log writes for non-finite values.</summary>
    public static double Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, Inv, out var x) => x,
        _ => throw new InvalidDataException($"not a number: {v.GetRawText()}"),
    };

    /// <summary>
    /// Reads the run in <paramref name="folder"/> (a run folder, or <c>runs/&lt;exercise&gt;/latest</c>). A folder that
    /// is not a run, or whose log does not start with a header, is a <see cref="UsageException"/> naming <paramref name="what"/>.
    /// </summary>
    public static RunRecord Read(string folder, string what)
    {
        if (!Directory.Exists(folder)) throw new UsageException($"{what} {folder}: no such folder");
        var full = RunFolder.RealPath(folder);
        if (!RunFolder.HoldsRun(full)) throw new UsageException($"{what} {folder}: not a run folder (it has no {RunLayout.LogFile})");
        JsonElement header;
        try
        {
            header = RunFolder.ReadHeader(full);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"{what} {folder}: {e.Message}");
        }
        var log = Path.Combine(full, RunLayout.LogFile);
        var epochs = ImmutableArray.CreateBuilder<EpochPoint>();
        var members = ImmutableArray.CreateBuilder<MemberEpochPoint>();
        var steps = ImmutableArray.CreateBuilder<(int, int, double)>();
        var trainings = ImmutableArray.CreateBuilder<JsonElement>();
        JsonElement? summary = null;
        string? outcome = null;
        var unreadable = 0;
        foreach (var line in RunFolder.EventLineBytes(log))
        {
            // Step events are most of a long run's log: read them without building a document.
            if (TryStep(line.Span, out var step))
            {
                steps.Add(step);
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(line);
                var e = doc.RootElement;
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String)
                {
                    unreadable++;
                    continue;
                }
                var part = e.TryGetProperty("part", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 1;
                switch (kind.GetString())
                {
                    case "step":
                        steps.Add((e.GetProperty("epoch").GetInt32(), e.GetProperty("batch").GetInt32(), Number(e.GetProperty("loss"))));
                        break;
                    case "epoch":
                        epochs.Add(new EpochPoint(part, e.GetProperty("epoch").GetInt32(), Number(e.GetProperty("loss")), Optional(e, "val_loss"), Optional(e, "accuracy")));
                        break;
                    case "member_epoch":
                        members.Add(new MemberEpochPoint(part, e.GetProperty("epoch").GetInt32(), Numbers(e, "loss")!.Value, Numbers(e, "val_loss"), Numbers(e, "accuracy")));
                        break;
                    case "summary":
                        summary = e.Clone();
                        break;
                    case "run":
                        trainings.Add(e.Clone());
                        break;
                    case "end":
                        outcome = e.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : "ended";
                        break;
                }
            }
            catch (Exception problem) when (problem is JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                unreadable++;
            }
        }
        return new RunRecord
        {
            Folder = full,
            Header = header,
            Exercise = header.TryGetProperty("exercise", out var ex) && ex.ValueKind == JsonValueKind.String ? ex.GetString()! : "unknown",
            Command = header.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "",
            Started = header.TryGetProperty("started", out var s) && DateTimeOffset.TryParse(s.GetString(), Inv, DateTimeStyles.None, out var t) ? t : null,
            LogWritten = new DateTimeOffset(File.GetLastWriteTime(log)),
            Outcome = outcome,
            RunningPid = RunLock.OwnerOf(full) is { Alive: true } owner && owner.Pid != Environment.ProcessId ? owner.Pid : null,
            Epochs = epochs.ToImmutable(),
            MemberEpochs = members.ToImmutable(),
            Steps = steps.ToImmutable(),
            Summary = summary,
            Trainings = trainings.ToImmutable(),
            Checkpoints = [.. RunFolder.Checkpoints(full).Select(cp => ReadCheckpoint(cp.Step, cp.Path))],
            Plots = PlotsIn(full),
            Experiments = ReadJson(Path.Combine(full, ExperimentsFile)),
            UnreadableLines = unreadable,
        };

        static double? Optional(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? Number(v) : null;
        static ImmutableArray<double>? Numbers(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(Number)] : null;
    }

    /// <summary>The plots (<c>*.png</c>) in a run folder, by file name, in ordinal order; hidden (temporary) files left out.</summary>
    public static ImmutableArray<string> PlotsIn(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*.png").Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal)];

    /// <summary>The bytes of a file in the run folder, read no further than the report's bound; null when it is missing or too large.</summary>
    public byte[]? ReadFile(string name)
    {
        var path = Path.Combine(Folder, name);
        try
        {
            return File.Exists(path) && new FileInfo(path).Length <= MaxFileBytes ? InputFile.ReadAll(path, MaxFileBytes) : null;
        }
        catch (Exception e) when (e is IOException or UsageException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static JsonElement? ReadJson(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            using var doc = JsonDocument.Parse(InputFile.ReadAll(path, MaxFileBytes));
            return doc.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UsageException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static CheckpointEntry ReadCheckpoint(long step, string path)
    {
        var files = Directory.EnumerateFiles(path).Select(f => (Path.GetFileName(f), new FileInfo(f).Length)).OrderBy(f => f.Item1, StringComparer.Ordinal).ToImmutableArray();
        int? epoch = null, batch = null;
        try
        {
            using var doc = JsonDocument.Parse(RunFolder.ReadMetadata(path));
            if (doc.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Object)
            {
                if (next.TryGetProperty("epoch", out var e) && e.TryGetInt32(out var ev)) epoch = ev;
                if (next.TryGetProperty("batch", out var b) && b.TryGetInt32(out var bv)) batch = bv;
            }
        }
        catch (Exception e) when (e is IOException or UsageException or JsonException or InvalidOperationException or UnauthorizedAccessException)
        {
            // The report names the folder anyway; its position is then unknown.
        }
        return new CheckpointEntry(step, path, epoch, batch, files);
    }

    /// <summary>The model file of the newest checkpoint, or null.</summary>
    public string? NewestModel => Checkpoints.Length > 0 ? Path.Combine(Checkpoints[^1].Path, RunLayout.ModelFile) : null;
}
