using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Functional.Formats;
using Functional.Training;
using Functional.Training.Checkpoints;

namespace Functional.Shell;

/// <summary>What a training command asks of its run folder: everything <see cref="RunOutput.Open(RunRequest)"/> checks and the header records.</summary>
/// <param name="Exercise">The command, e.g. <c>xor</c>: names the default folder <c>runs/xor/…</c>.</param>
/// <param name="Out"><c>--out DIR</c>: the run folder itself; null for a new folder under <c>runs/&lt;exercise&gt;</c>.</param>
/// <param name="Log"><c>--log PATH</c>: a second copy of the log; null for none.</param>
/// <param name="Resume"><c>--resume</c>: a run folder, a checkpoint folder or <c>latest</c>; null for a new run.</param>
/// <param name="Name"><c>--name</c>: appended to the new folder's name.</param>
/// <param name="Force"><c>--force</c>: replace the run already in <paramref name="Out"/>.</param>
/// <param name="Keep"><c>--keep</c>: how many checkpoints to keep.</param>
/// <param name="Command">The command line (arguments after the program), quoted for a POSIX shell.</param>
/// <param name="Config">Every option of the command with its value, defaults included, for the header.</param>
internal sealed record RunRequest(string Exercise, string? Out, string? Log, string? Resume, string? Name, bool Force, int Keep, string Command, JsonObject Config);

/// <summary>
/// The files a run writes (docs/run-format.md): its folder (a new one under <c>runs/&lt;exercise&gt;/</c>, <c>--out</c>'s,
/// or the resumed run's own), locked for this process; the log <c>log.jsonl</c> (header, then one line per event,
/// append-only, flushed every epoch and fsynced before every checkpoint), copied to <c>--log</c>; <c>metrics.csv</c>;
/// the checkpoints. <see cref="Open(RunRequest)"/> only checks; the folder is made (or locked and its log cut back to the
/// checkpoint's position) when training begins (<see cref="Begin"/>), so a command refused for bad input leaves nothing
/// behind. A log line that cannot be written (a full disk) sets <see cref="Failure"/> and calls <see cref="Failed"/>,
/// which stops the run as a signal would; the lines not yet written travel in the next checkpoint.
/// </summary>
internal sealed class RunOutput : IDisposable
{
    /// <summary>The log schema this version writes.</summary>
    public const string Schema = "functional-log/2";

    // Buffered lines are written at every epoch, or sooner when they grow past this.
    private const int FlushBytes = 1 << 20;

    private readonly RunRequest? _request;
    private readonly string? _teePath;
    private readonly bool _teeInPlace;
    private FileStream? _fifo; // a --log FIFO, opened when checked (see Posix.OpenFifoWriter)
    private readonly RunFolder.ResumeTarget? _resume;
    private readonly string? _outFolder;
    private readonly bool _replace;

    private bool _begun;
    private string? _folder;
    private RunLock? _lock;
    private FileStream? _logFile;
    private Stream? _log;
    private FileStream? _teeFile;
    private Stream? _tee;
    private FileStream? _metricsFile;
    private Stream? _metrics;
    private bool _ensemble;
    private readonly List<string> _pending = [];
    private int _pendingBytes;
    private readonly StringBuilder _pendingMetrics = new();
    private long _written;
    private bool _ended;
    private string? _outcome;

    private RunOutput(RunRequest? request, (string? Path, bool InPlace, FileStream? Fifo) log, RunFolder.ResumeTarget? resume, string? outFolder, bool replace)
    {
        _request = request;
        (_teePath, _teeInPlace, _fifo) = log;
        _resume = resume;
        _outFolder = outFolder;
        _replace = replace;
    }

    /// <summary>
    /// The run folder: known from the start for <c>--out</c> and <c>--resume</c> (a resumed suite that has nothing left
    /// to train still rewrites its results there), made when training begins for a new default folder; null for a
    /// log-only output.
    /// </summary>
    public string? OutDir => _folder ?? _resume?.RunFolder ?? _outFolder;

    /// <summary>The checkpoint a resumed run continues from (checked at <see cref="Open(RunRequest)"/>); null for a new run.</summary>
    public string? ResumeCheckpoint => _resume?.Checkpoint;

    /// <summary>Why the log could not be written, once that happened; the run must stop.</summary>
    public string? Failure { get; private set; }

    /// <summary>Called once when <see cref="Failure"/> is set.</summary>
    public Action? Failed { get; set; }

    /// <summary>Which training of a run made of several (the XOR suite's stages, regression's comparison) the next events belong to; null for one-part runs.</summary>
    public int? Part { get; set; }

    /// <summary>
    /// Checks a training command's paths before any work is done, creating nothing: <c>--log</c> (a regular file or new
    /// path, a character device or a FIFO with a reader — written in place —, nothing else), <c>--out</c> (a folder, or
    /// a path one can be made at; one that holds another run only with <c>--force</c>; never one a live run holds),
    /// <c>--resume</c> (see <see cref="RunFolder.ResolveResume"/>), and their combinations. A problem is a <see cref="UsageException"/>.
    /// </summary>
    public static RunOutput Open(RunRequest request)
    {
        if (request.Keep < 1) throw new UsageException($"--keep must be 1 or more, got {request.Keep}");
        if (request.Force && request.Resume is not null) throw new UsageException("--force replaces a run and --resume continues one: give one of them");
        if (request.Name is { } name)
        {
            if (request.Resume is not null) throw new UsageException("--name names a new run's folder; a resumed run continues in its own");
            if (request.Out is not null) throw new UsageException("--name names a folder under runs/; with --out the folder is the one given");
            if (name.Length is 0 or > 64 || name.StartsWith('.') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new UsageException($"--name {name}: use 1 to 64 letters, digits, '-', '_' or '.' (not starting with '.')");
        }
        var log = CheckLog(request.Log);
        try
        {
            return Open(request, log);
        }
        catch
        {
            log.Fifo?.Dispose();
            throw;
        }
    }

    private static RunOutput Open(RunRequest request, (string? Path, bool InPlace, FileStream? Fifo) log)
    {
        var teePath = log.Path;
        RunFolder.ResumeTarget? resume = null;
        string? outFolder = null;
        var replace = false;
        if (request.Resume is { } r)
        {
            resume = RunFolder.ResolveResume(r, request.Exercise);
            if (request.Out is { } o && RunFolder.RealPath(o) != resume.RunFolder)
                throw new UsageException($"--out {o}: a resumed run continues in its own folder ({RunFolder.Display(resume.RunFolder)}); leave --out out or give that folder");
        }
        else if (request.Out is { } o)
        {
            outFolder = Path.GetFullPath(o);
            if (File.Exists(outFolder)) throw new UsageException($"--out {o}: is a file, expected a folder");
            if (Directory.Exists(outFolder))
            {
                outFolder = RunFolder.RealPath(outFolder);
                if (RunLock.OwnerOf(outFolder) is { Alive: true } owner)
                    throw new UsageException($"--out {o}: in use by a live run (process {owner.Pid})");
                if (RunFolder.HoldsRun(outFolder))
                {
                    if (!request.Force)
                        throw new UsageException($"--out {o}: holds another run; --resume {o} continues it, --force replaces it");
                    replace = true;
                }
            }
            RequireWritable(outFolder, $"--out {o}");
        }
        else RequireWritable(RunFolder.ExerciseRoot(request.Exercise), $"the run folder {Path.Combine(RunLayout.Root, request.Exercise)}");
        if (teePath is not null && outFolder is not null && (teePath == outFolder || outFolder.StartsWith(teePath + Path.DirectorySeparatorChar)))
            throw new UsageException($"--log {request.Log}: the same path as the --out folder");
        return new RunOutput(request, log, resume, outFolder, replace);
    }

    /// <summary>An output with only a log (<c>--log</c>, or none): for commands that keep no run folder (the perceptron walkthrough).</summary>
    public static RunOutput Open(string? log, string? outDir)
    {
        if (outDir is not null) throw new ArgumentException("a run folder needs a RunRequest", nameof(outDir));
        var output = new RunOutput(null, CheckLog(log), null, null, false);
        try
        {
            output.OpenTee(truncate: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--log {log}: cannot write ({OneLine(e.Message)})");
        }
        output._begun = true;
        return output;
    }

    // The --log target: its full path, whether it is written in place (a device or FIFO: never truncated, never
    // replaced), and for a FIFO the stream already open on it.
    private static (string? Path, bool InPlace, FileStream? Fifo) CheckLog(string? log)
    {
        if (log is null) return (null, false, null);
        var path = Path.GetFullPath(log);
        var what = $"--log {log}";
        if (Directory.Exists(path)) throw new UsageException($"{what}: is a folder, expected a file path");
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir)) throw new UsageException($"{what}: folder {dir} does not exist");
        switch (InputFile.KindOf(path))
        {
            case null when !File.Exists(path):
                RequireWritable(dir, what);
                return (path, false, null);
            case null or InputFile.RegularFile:
                try
                {
                    using (new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) { }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"{what}: cannot write ({OneLine(e.Message)})");
                }
                return (path, false, null);
            case InputFile.CharacterDevice:
                return (path, true, null);
            case InputFile.Fifo:
                return (path, true, Posix.OpenFifoWriter(path) ?? throw new UsageException($"{what}: a FIFO that no process reads (writing to it would wait forever)"));
            case var kind:
                throw new UsageException($"{what}: is {kind}; give a file path, a character device or a FIFO");
        }
    }

    /// <summary>
    /// Makes the run's folder ready, once, when training begins: a new run's folder is created (or <c>--out</c>'s made,
    /// emptied of the run <c>--force</c> replaces) and locked, <c>latest</c> pointed at it and the header written; a
    /// resumed run's folder is locked, cleared of what dead processes left half-done, and its log cut back to the
    /// checkpoint's events (then the events the checkpoint carries appended), its metrics rebuilt from that.
    /// The run (<paramref name="run"/>) says which metrics columns a new run has and what its header records. Messages go to <paramref name="messages"/>.
    /// </summary>
    public void Begin(ExerciseRun run, TextWriter messages)
    {
        if (_begun) return;
        _begun = true;
        var request = _request!;
        _ensemble = run.Trainer is not Trainer;
        try
        {
            if (_resume is { } resume) Continue(resume, request, messages);
            else Start(request, Settings(run), messages);
        }
        catch
        {
            CloseFiles();
            _lock?.Dispose();
            _lock = null;
            throw;
        }
    }

    // The run's effective settings (after presets and defaults), as its checkpoints record them for a resume to match.
    private static JsonObject Settings(ExerciseRun run)
    {
        var settings = new JsonObject();
        var options = run.Options.ContainsKey("Epochs") ? run.Options : run.Options.Add("Epochs", run.Plan.Epochs.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in options) settings[name] = value;
        return settings;
    }

    private void Start(RunRequest request, JsonObject settings, TextWriter messages)
    {
        var created = false;
        if (_outFolder is { } o)
        {
            created = !Directory.Exists(o);
            Directory.CreateDirectory(o);
            _folder = o;
            _lock = RunLock.Acquire(o, $"--out {request.Out}", messages);
            if (_replace)
            {
                var removed = RemoveRun(o);
                messages.WriteLine($"--force: replacing the run in {RunFolder.Display(o)} (removed {removed})");
            }
        }
        else
        {
            var root = RunFolder.ExerciseRoot(request.Exercise);
            (_folder, _lock) = RunFolder.Create(root, request.Name, DateTime.Now, messages);
            created = true;
            RunFolder.PointLatest(root, _folder, messages);
        }
        try
        {
            _logFile = Disk.Current.OpenWrite(LogPath, FileMode.Create);
            _log = Disk.Current.Writer(_logFile);
            _metricsFile = Disk.Current.OpenWrite(MetricsPath, FileMode.Create);
            _metrics = Disk.Current.Writer(_metricsFile);
            OpenTee(truncate: true);
            var header = Encoding.UTF8.GetBytes(Header(request, settings) + "\n");
            if (!WriteNow(header, durable: true)) throw new IOException(Failure);
            if (!WriteTee(header)) throw new IOException(Failure);
            _pendingMetrics.Append(MetricsHeader(_ensemble));
            if (!Flush(durable: true)) throw new IOException(Failure);
        }
        catch (IOException e)
        {
            // Nothing was trained: what this run made is taken back, and the reason is the user's to fix (a full disk, a device that takes nothing).
            CloseFiles();
            _lock?.Dispose();
            _lock = null;
            if (created) Directory.Delete(_folder!, recursive: true);
            else
            {
                File.Delete(LogPath);
                File.Delete(MetricsPath);
            }
            throw new UsageException(Failure ?? $"cannot write the run's log in {RunFolder.Display(_folder!)} ({OneLine(e.Message)})");
        }
    }

    private void Continue(RunFolder.ResumeTarget resume, RunRequest request, TextWriter messages)
    {
        _folder = resume.RunFolder;
        _lock = RunLock.Acquire(_folder, $"--resume {request.Resume}", messages);
        RunFolder.RemoveLeftovers(_folder, messages);
        var info = Checkpoint.ReadInfo(RunFolder.ReadMetadata(resume.Checkpoint), RunFolder.Display(resume.Checkpoint), request.Exercise);
        RunFolder.RemoveNewerThan(_folder, info.Step, messages);
        // The log: the header and the checkpoint's events stay, what came after them goes, what it carries is appended.
        InputFile.RequireRegular(LogPath);
        var keep = LogPrefix(LogPath, info.LogEvents);
        _logFile = Disk.Current.OpenWrite(LogPath, FileMode.Open);
        _logFile.SetLength(keep);
        _logFile.Seek(0, SeekOrigin.End);
        _log = Disk.Current.Writer(_logFile);
        _written = info.LogEvents;
        foreach (var line in info.PendingLog) Buffer(line);
        if (!Flush(durable: true)) throw new UsageException($"cannot continue the run's log: {Failure}");
        // The metrics and the --log copy are the log's, rebuilt from it.
        _ensemble = RebuildMetrics();
        try
        {
            OpenTee(truncate: true);
            if (_tee is null) return;
            using var source = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            source.CopyTo(_tee);
            _tee.Flush();
        }
        catch (IOException e)
        {
            // Nothing is trained yet and the run's own log is whole: the copy's target is the user's to fix.
            throw new UsageException($"--log {request.Log}: cannot write ({OneLine(e.Message)})");
        }
    }

    /// <summary>
    /// The step and epoch events the run's log holds (of part <paramref name="part"/>; all when null), in order: read
    /// after a resume cut the log back and before training goes on, they are what the run did before this process.
    /// </summary>
    public IEnumerable<TrainEvent> LoggedEvents(int? part)
    {
        if (_folder is null || !File.Exists(LogPath)) yield break;
        foreach (var line in RunFolder.EventLines(LogPath))
        {
            var step = line.StartsWith("{\"event\":\"step\"", StringComparison.Ordinal);
            if (!step && !line.StartsWith("{\"event\":\"epoch\"", StringComparison.Ordinal)) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (part is not null && (!e.TryGetProperty("part", out var p) || p.GetInt32() != part)) continue;
            var epoch = e.GetProperty("epoch").GetInt32();
            yield return step
                ? new StepEvent(epoch, e.GetProperty("batch").GetInt32(), LogNumber(e.GetProperty("loss")))
                : new EpochEvent(epoch, LogNumber(e.GetProperty("loss")),
                    e.TryGetProperty("val_loss", out var v) ? LogNumber(v) : null, e.TryGetProperty("accuracy", out var a) ? LogNumber(a) : null);
        }
    }

    // A number of the log: JSON, or NaN and the infinities as strings.
    private static double LogNumber(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(v.GetString()!, CultureInfo.InvariantCulture);

    // The byte length of the header and the first `events` lines after it; fewer lines is a log that does not go with the checkpoint.
    private static long LogPrefix(string log, long events)
    {
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        long lines = -1, position = 0;
        int b;
        while (lines < events && (b = stream.ReadByte()) >= 0)
        {
            position++;
            if (b == '\n') lines++;
        }
        if (lines < events)
            throw new UsageException($"{RunFolder.Display(log)}: holds {Math.Max(0, lines)} events, but the checkpoint resumed records {events}: "
                                     + "the log was cut short or belongs to another run");
        return position;
    }

    private bool RebuildMetrics()
    {
        var ensemble = _ensemble;
        var rows = new StringBuilder();
        foreach (var line in RunFolder.EventLines(LogPath))
        {
            if (!line.StartsWith("{\"event\":\"epoch\"", StringComparison.Ordinal) && !line.StartsWith("{\"event\":\"member_epoch\"", StringComparison.Ordinal)) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            int? part = e.TryGetProperty("part", out var p) ? p.GetInt32() : null;
            var epoch = e.GetProperty("epoch").GetInt32();
            if (e.GetProperty("event").GetString() == "epoch")
                rows.Append(Row(part, epoch, null, Read(e, "loss"), Opt(e, "val_loss"), Opt(e, "accuracy")));
            else
            {
                ensemble = true;
                var loss = ReadAll(e, "loss")!;
                var val = ReadAll(e, "val_loss");
                var accuracy = ReadAll(e, "accuracy");
                for (var k = 0; k < loss.Length; k++) rows.Append(Row(part, epoch, k, loss[k], val?[k], accuracy?[k]));
            }
        }
        var text = MetricsHeader(ensemble) + rows;
        using (var file = Disk.Current.OpenWrite(MetricsPath, FileMode.Create))
        using (var writer = Disk.Current.Writer(file))
            writer.Write(Encoding.UTF8.GetBytes(text));
        _metricsFile = Disk.Current.OpenWrite(MetricsPath, FileMode.Open);
        _metricsFile.Seek(0, SeekOrigin.End);
        _metrics = Disk.Current.Writer(_metricsFile);
        return ensemble;

        static double Read(JsonElement e, string name) => Number(e.GetProperty(name));
        static double? Opt(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? Number(v) : null;
        static double[]? ReadAll(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? [.. v.EnumerateArray().Select(Number)] : null;
        static double Number(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(v.GetString()!, CultureInfo.InvariantCulture);
    }

    private static bool SameFile(string a, string b) => Path.GetFullPath(a) == Path.GetFullPath(b);

    private void OpenTee(bool truncate)
    {
        // --log naming the run's own log.jsonl is that log, not a second copy of it.
        if (_teePath is null || (_folder is not null && SameFile(_teePath, LogPath))) return;
        _teeFile = _fifo ?? Disk.Current.OpenWrite(_teePath, _teeInPlace ? FileMode.Open : truncate ? FileMode.Create : FileMode.OpenOrCreate);
        _fifo = null;
        _tee = Disk.Current.Writer(_teeFile);
    }

    // What a run folder held of the run --force replaces (its own files only: a folder given with --out may hold others).
    private static string RemoveRun(string folder)
    {
        var checkpoints = RunFolder.Checkpoints(folder).Count;
        var removed = new List<string>();
        foreach (var name in new[] { RunLayout.LogFile, RunLayout.MetricsFile, "report.html" })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            File.Delete(path);
            removed.Add(name);
        }
        var dir = Path.Combine(folder, RunLayout.CheckpointsFolder);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
            removed.Add($"{checkpoints} checkpoint{(checkpoints == 1 ? "" : "s")}");
        }
        var plots = Directory.EnumerateFiles(folder, "*.png").ToList();
        foreach (var png in plots) File.Delete(png);
        if (plots.Count > 0) removed.Add($"{plots.Count} plot{(plots.Count == 1 ? "" : "s")}");
        return removed.Count == 0 ? "nothing" : string.Join(", ", removed);
    }

    private string LogPath => Path.Combine(_folder!, RunLayout.LogFile);

    private string MetricsPath => Path.Combine(_folder!, RunLayout.MetricsFile);

    private static string Header(RunRequest request, JsonObject settings)
    {
        var header = new JsonObject
        {
            ["event"] = "header",
            ["schema"] = Schema,
            ["exercise"] = request.Exercise,
            ["command"] = request.Command,
            ["seed"] = request.Config["seed"]?.DeepClone(),
            ["config"] = request.Config.DeepClone(),
            ["settings"] = settings,
            ["torch_threads"] = TorchSharp.torch.get_num_threads(),
            ["versions"] = new JsonObject
            {
                ["functional"] = Version(typeof(RunOutput).Assembly),
                ["torchsharp"] = Version(typeof(TorchSharp.torch).Assembly),
                ["libtorch"] = LibTorchVersion(),
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["started"] = DateTimeOffset.Now.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
        };
        // Written for reading: '+' in a version or a time zone stays '+', not \u002B.
        return header.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static string Version(System.Reflection.Assembly assembly) =>
        assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString() ?? "unknown";

    // libtorch reports no version of its own through TorchSharp; the native package's folder name in the deps file says it.
    private static string LibTorchVersion()
    {
        var deps = Path.Combine(AppContext.BaseDirectory, $"{System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name}.deps.json");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(deps));
            foreach (var library in doc.RootElement.GetProperty("libraries").EnumerateObject())
                if (library.Name.StartsWith("libtorch-cpu-", StringComparison.Ordinal) && library.Name.Contains('/'))
                    return library.Name[(library.Name.IndexOf('/') + 1)..];
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException or UnauthorizedAccessException)
        {
            // Not knowing the version is no reason to stop a run.
        }
        return "unknown";
    }

    /// <summary>Logs an event: a step of a single model, an epoch, an ensemble's epoch (an ensemble's steps are not logged, nor are other events). An epoch's line is written out with its metrics row.</summary>
    public void Write(TrainEvent e)
    {
        if (!_begun) return;
        var part = Part is { } p ? $",\"part\":{p}" : "";
        switch (e)
        {
            case StepEvent s when s.MemberLosses is null:
                Buffer($"{{\"event\":\"step\",\"epoch\":{s.Epoch},\"batch\":{s.Batch},\"loss\":{Json(s.Loss)}}}");
                break;
            case EpochEvent ep:
                Buffer($"{{\"event\":\"epoch\"{part},\"epoch\":{ep.Epoch},\"loss\":{Json(ep.Loss)}"
                       + (ep.ValLoss is { } v ? $",\"val_loss\":{Json(v)}" : "")
                       + (ep.Accuracy is { } a ? $",\"accuracy\":{Json(a)}" : "") + "}");
                _pendingMetrics.Append(Row(Part, ep.Epoch, null, ep.Loss, ep.ValLoss, ep.Accuracy));
                Flush(durable: false);
                break;
            case MemberEpochEvent m:
                Buffer($"{{\"event\":\"member_epoch\"{part},\"epoch\":{m.Epoch},\"loss\":{Json(m.Loss)}"
                       + (m.ValLoss is { } vs ? $",\"val_loss\":{Json(vs)}" : "")
                       + (m.Accuracy is { } acc ? $",\"accuracy\":{Json(acc)}" : "") + "}");
                for (var k = 0; k < m.Loss.Count; k++) _pendingMetrics.Append(Row(Part, m.Epoch, k, m.Loss[k], m.ValLoss?[k], m.Accuracy?[k]));
                Flush(durable: false);
                break;
        }
    }

    /// <summary>Logs an extra JSON object line (e.g. a run summary); before training begins it waits for the header.</summary>
    public void WriteRaw(string jsonObject) => Buffer(jsonObject);

    private void Buffer(string line)
    {
        _pending.Add(line);
        _pendingBytes += line.Length + 1;
        if (_pendingBytes >= FlushBytes) Flush(durable: false);
    }

    /// <summary>
    /// Writes the buffered lines out (and fsyncs the log when <paramref name="durable"/>). False once the log has failed:
    /// the lines it could not take stay buffered (<see cref="PendingLines"/>), the log is cut back to its last whole line,
    /// and <see cref="Failed"/> has been called.
    /// </summary>
    public bool Flush(bool durable)
    {
        if (Failure is not null) return false;
        if (_log is null && _tee is null) return true;
        var text = new StringBuilder();
        foreach (var line in _pending) text.Append(line).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (_log is not null)
        {
            if (!WriteNow(bytes, durable)) return false;
            _written += _pending.Count;
        }
        _pending.Clear();
        _pendingBytes = 0;
        if (!WriteTee(bytes)) return false;
        if (_metrics is not null && _pendingMetrics.Length > 0)
        {
            try
            {
                _metrics.Write(Encoding.UTF8.GetBytes(_pendingMetrics.ToString()));
                _metrics.Flush();
                _pendingMetrics.Clear();
            }
            catch (IOException e)
            {
                return Fail($"{RunFolder.Display(MetricsPath)}: {OneLine(e.Message)}");
            }
        }
        return true;
    }

    private bool WriteTee(byte[] bytes)
    {
        if (_tee is null || bytes.Length == 0) return true;
        try
        {
            _tee.Write(bytes);
            _tee.Flush();
            return true;
        }
        catch (IOException e)
        {
            return Fail($"--log {RunFolder.Display(_teePath!)}: {OneLine(e.Message)}");
        }
    }

    // Appends to log.jsonl; on failure cuts it back to where it was (no torn line) and records the failure.
    private bool WriteNow(byte[] bytes, bool durable)
    {
        var before = _logFile!.Length;
        try
        {
            _log!.Write(bytes);
            _log.Flush();
            if (durable) _logFile.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException e)
        {
            try
            {
                _logFile.SetLength(before);
            }
            catch (IOException)
            {
                // The torn tail stays: a resumed run cuts the log back to its checkpoint's events anyway.
            }
            return Fail($"{RunFolder.Display(LogPath)}: {OneLine(e.Message)}");
        }
    }

    private bool Fail(string reason)
    {
        if (Failure is not null) return false;
        Failure = reason;
        Failed?.Invoke();
        return false;
    }

    /// <summary>The event lines the log has not taken (after a failure they travel in the checkpoint).</summary>
    public IReadOnlyList<string> PendingLines => _pending;

    /// <summary>The event lines in the log so far (after the header).</summary>
    public long WrittenEvents => _written;

    /// <summary>
    /// Writes a checkpoint of <paramref name="state"/>: the log is first written out and fsynced up to this point, the
    /// checkpoint records how many events it holds (and carries those it could not take), then the folder appears
    /// atomically and older ones beyond <c>--keep</c> go. A checkpoint that cannot be written is a warning on
    /// <paramref name="messages"/> (the previous one stays) and null.
    /// </summary>
    public string? SaveCheckpoint(TrainState state, RunInfo info, TextWriter messages)
    {
        if (_folder is null) return null;
        Flush(durable: true);
        var files = Checkpoint.Serialize(state, info with { LogEvents = _written, PendingLog = [.. _pending] });
        string path;
        try
        {
            path = RunFolder.WriteCheckpoint(_folder, info.Step, files);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var previous = RunFolder.NewestCheckpoint(_folder);
            messages.WriteLine($"warning: checkpoint not written ({OneLine(e.Message)}); "
                               + (previous is null ? "no earlier checkpoint" : $"the previous one is kept at {RunFolder.Display(previous)}"));
            return null;
        }
        try
        {
            RunFolder.Prune(_folder, _request!.Keep);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            messages.WriteLine($"warning: older checkpoints not removed ({OneLine(e.Message)})");
        }
        return path;
    }

    /// <summary>The newest complete checkpoint in this run's folder, or null.</summary>
    public string? NewestCheckpoint() => _folder is null ? null : RunFolder.NewestCheckpoint(_folder);

    /// <summary>Records how the last training ended, for the log's closing <c>end</c> line: completed, interrupted, diverged.</summary>
    public void Ended(string outcome) => _outcome = outcome;

    /// <summary>A path inside the run folder (<see cref="OutDir"/>); null when there is none yet (or for a log-only output).</summary>
    public string? OutFile(string name) => OutDir is { } folder ? Path.Combine(folder, name) : null;

    /// <summary>Closes the log with its <c>end</c> line (how the run ended) and writes everything out.</summary>
    public void Commit()
    {
        if (!_begun || _ended) return;
        _ended = true;
        if (_request is not null) Buffer($"{{\"event\":\"end\",\"outcome\":\"{_outcome ?? "completed"}\"}}");
        Flush(durable: true);
    }

    /// <summary>Closes the files and releases the folder; a run that began but was not committed ends its log as failed.</summary>
    public void Dispose()
    {
        if (_begun && !_ended && _request is not null && _log is not null)
        {
            _outcome ??= "failed";
            Commit();
        }
        else Flush(durable: false);
        CloseFiles();
        _fifo?.Dispose();
        _lock?.Dispose();
        _lock = null;
    }

    private void CloseFiles()
    {
        foreach (var s in new IDisposable?[] { _log, _logFile, _tee, _teeFile, _metrics, _metricsFile })
        {
            try
            {
                s?.Dispose();
            }
            catch (IOException)
            {
                // Closing after a failed write can fail again; what was written is on disk.
            }
        }
        (_log, _logFile, _tee, _teeFile, _metrics, _metricsFile) = (null, null, null, null, null, null);
    }

    private static string MetricsHeader(bool ensemble) => ensemble ? "part,epoch,member,loss,val_loss,accuracy\n" : "part,epoch,loss,val_loss,accuracy\n";

    private static string Row(int? part, int epoch, int? member, double loss, double? val, double? accuracy) =>
        string.Join(",", (part ?? 1).ToString(CultureInfo.InvariantCulture), epoch.ToString(CultureInfo.InvariantCulture))
        + (member is { } k ? "," + k.ToString(CultureInfo.InvariantCulture) : "")
        + "," + Csv(loss) + "," + (val is { } v ? Csv(v) : "") + "," + (accuracy is { } a ? Csv(a) : "") + "\n";

    private static string Csv(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A double as JSON: shortest round-trip form, invariant culture; NaN/∞ (not JSON numbers) as strings.</summary>
    public static string Json(double x) =>
        double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : $"\"{x.ToString(CultureInfo.InvariantCulture)}\"";

    private static string Json(IReadOnlyList<double> xs) => "[" + string.Join(",", xs.Select(Json)) + "]";

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    // Whether a folder (or its nearest existing parent, where it would be made) takes new files.
    private static void RequireWritable(string dir, string what)
    {
        var existing = dir;
        while (!Directory.Exists(existing))
            existing = Path.GetDirectoryName(existing) ?? throw new UsageException($"{what}: no existing parent folder");
        var probe = Path.Combine(existing, $".functional-write-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{what}: folder {existing} is not writable");
        }
    }
}
