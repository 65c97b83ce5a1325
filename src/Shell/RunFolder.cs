using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Functional.Formats;
using Functional.Training.Checkpoints;

namespace Functional.Shell;

/// <summary>
/// The run folder on disk (docs/run-format.md): where a new run's folder goes and its <c>latest</c> link, what a
/// <c>--resume</c> names, and the checkpoint folders inside a run — written atomically (a temporary name, every file
/// fsynced, one rename, the parent fsynced), pruned to the newest N, half-written ones cleaned up.
/// </summary>
internal static partial class RunFolder
{
    /// <summary>The first line of a log is at most this long (it holds the run's whole configuration).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>Whether <paramref name="folder"/> holds a run (it has a log).</summary>
    public static bool HoldsRun(string folder) => File.Exists(Path.Combine(folder, RunLayout.LogFile));

    /// <summary>The folder under which an exercise's runs go by default.</summary>
    public static string ExerciseRoot(string exercise) => Path.GetFullPath(Path.Combine(RunLayout.Root, exercise));

    /// <summary><paramref name="path"/> as the user should read it: relative to the current folder when inside it.</summary>
    public static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    /// <summary>
    /// Creates a new run folder under <paramref name="exerciseRoot"/>, named by the local start time
    /// (<c>yyyyMMdd-HHmmss</c>), then <c>-name</c>, then <c>-2</c>, <c>-3</c>, … when that name is taken (two runs in
    /// one second), and takes its lock: of two processes starting at once, each gets a folder of its own.
    /// </summary>
    public static (string Folder, RunLock Lock) Create(string exerciseRoot, string? name, DateTime started, TextWriter messages)
    {
        Directory.CreateDirectory(exerciseRoot);
        var stem = started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + (name is null ? "" : "-" + name);
        for (var n = 1; n < 10_000; n++)
        {
            var folder = Path.Combine(exerciseRoot, n == 1 ? stem : $"{stem}-{n}");
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()) continue;
            Directory.CreateDirectory(folder);
            RunLock runLock;
            try
            {
                runLock = RunLock.Acquire(folder, Display(folder), messages);
            }
            catch (UsageException)
            {
                continue; // another run took this name a moment ago
            }
            if (!HoldsRun(folder)) return (folder, runLock);
            runLock.Dispose();
        }
        throw new UsageException($"{Display(exerciseRoot)}: no free folder name for {stem}");
    }

    /// <summary>Points <c>latest</c> in <paramref name="exerciseRoot"/> at <paramref name="folder"/> (a relative symlink, replaced in one rename).</summary>
    public static void PointLatest(string exerciseRoot, string folder, TextWriter messages)
    {
        var link = Path.Combine(exerciseRoot, RunLayout.Latest);
        if (Directory.Exists(link) && new DirectoryInfo(link).LinkTarget is null)
        {
            messages.WriteLine($"warning: {Display(link)} is a folder, not a link: left as it is");
            return;
        }
        var temp = Path.Combine(exerciseRoot, $".{RunLayout.Latest}.tmp-{Environment.ProcessId}");
        if (File.Exists(temp) || Directory.Exists(temp)) File.Delete(temp);
        File.CreateSymbolicLink(temp, Path.GetFileName(folder));
        Posix.Rename(temp, link);
    }

    /// <summary>The newest run in <paramref name="exerciseRoot"/> (by folder name, i.e. start time), or null.</summary>
    public static string? NewestRun(string exerciseRoot) =>
        !Directory.Exists(exerciseRoot) ? null
        : Directory.EnumerateDirectories(exerciseRoot)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && Path.GetFileName(d) != RunLayout.Latest && HoldsRun(d))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).LastOrDefault();

    // ---- checkpoints ----

    /// <summary>The folder name of the checkpoint at global step <paramref name="step"/>: <c>step-000012345</c>.</summary>
    public static string CheckpointName(long step) => $"step-{step.ToString("D9", CultureInfo.InvariantCulture)}";

    [GeneratedRegex(@"^step-(\d{9,19})$")]
    private static partial Regex CheckpointPattern();

    [GeneratedRegex(@"^\.step-\d{9,19}\.(tmp|del)-(\d+)$")]
    private static partial Regex LeftoverPattern();

    [GeneratedRegex(@"^\.run\.lock\.(?:tmp|stale)-(\d+)$")]
    private static partial Regex LockLeftoverPattern();

    /// <summary>Whether a folder name is a complete checkpoint's (<c>step-</c> and at least 9 digits).</summary>
    public static bool IsCheckpointName(string name) => CheckpointPattern().IsMatch(name);

    /// <summary>The complete checkpoints of a run, oldest first, with their global steps.</summary>
    public static IReadOnlyList<(long Step, string Path)> Checkpoints(string runFolder)
    {
        var dir = Path.Combine(runFolder, RunLayout.CheckpointsFolder);
        if (!Directory.Exists(dir)) return [];
        return [.. Directory.EnumerateDirectories(dir)
            .Select(d => (Match: CheckpointPattern().Match(Path.GetFileName(d)), Path: d))
            .Where(x => x.Match.Success && long.TryParse(x.Match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(x => (long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Path))
            .OrderBy(x => x.Item1)];
    }

    /// <summary>The newest complete checkpoint of a run, or null.</summary>
    public static string? NewestCheckpoint(string runFolder) => Checkpoints(runFolder) is { Count: > 0 } all ? all[^1].Path : null;

    /// <summary>
    /// Removes what a process that is gone left half-done in the run folder: a checkpoint it was writing
    /// (<c>.step-….tmp-PID</c>) or pruning (<c>.step-….del-PID</c>), each with a line saying so. Called with the
    /// folder's lock held, so no live run is writing there.
    /// </summary>
    public static void RemoveLeftovers(string runFolder, TextWriter messages)
    {
        // A lock file being made or moved aside when its process died: nothing of the run's, removed quietly.
        foreach (var entry in Directory.EnumerateFiles(runFolder, $".{RunLock.FileName}.*"))
        {
            var match = LockLeftoverPattern().Match(Path.GetFileName(entry));
            if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                && owner != Environment.ProcessId && !Posix.ProcessExists(owner))
                File.Delete(entry);
        }
        var dir = Path.Combine(runFolder, RunLayout.CheckpointsFolder);
        if (!Directory.Exists(dir)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
        {
            var match = LeftoverPattern().Match(Path.GetFileName(entry));
            if (!match.Success || !int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid != Environment.ProcessId && Posix.ProcessExists(pid)) continue;
            DeleteTree(entry);
            messages.WriteLine(match.Groups[1].Value == "tmp"
                ? $"removed a half-written checkpoint left by process {pid}, which is gone: {Display(entry)}"
                : $"removed the rest of an old checkpoint whose removal process {pid} did not finish: {Display(entry)}");
        }
    }

    /// <summary>
    /// Writes a checkpoint of global step <paramref name="step"/> as <c>checkpoints/step-…/</c>: the three files into
    /// <c>.step-….tmp-PID/</c>, each fsynced, the folder fsynced and renamed into place, the parent fsynced. Returns
    /// its path. A checkpoint of that step already there is kept as it is: the same run at the same step is the same
    /// state (a Ctrl+C right after a periodic checkpoint, or at the boundary of two stages).
    /// </summary>
    public static string WriteCheckpoint(string runFolder, long step, CheckpointFiles files)
    {
        var dir = Path.Combine(runFolder, RunLayout.CheckpointsFolder);
        Directory.CreateDirectory(dir);
        var final = Path.Combine(dir, CheckpointName(step));
        if (Directory.Exists(final)) return final;
        var temp = Path.Combine(dir, $".{CheckpointName(step)}.tmp-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        var disk = Disk.Current;
        try
        {
            Directory.CreateDirectory(temp);
            disk.WriteNew(Path.Combine(temp, RunLayout.ModelFile), files.Model);
            disk.WriteNew(Path.Combine(temp, RunLayout.OptimizerFile), files.Optimizer);
            disk.WriteNew(Path.Combine(temp, RunLayout.MetadataFile), files.Metadata);
            Posix.SyncFolder(temp);
            Directory.Move(temp, final);
            Posix.SyncFolder(dir);
            return final;
        }
        catch
        {
            try
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
                // Left for the next run of this folder to remove (a .tmp of a process that is gone).
            }
            throw;
        }
    }

    /// <summary>Keeps the newest <paramref name="keep"/> complete checkpoints, removing the older ones (each renamed away first, so none is ever half there under its name).</summary>
    public static void Prune(string runFolder, int keep)
    {
        var all = Checkpoints(runFolder);
        foreach (var (_, path) in all.Take(Math.Max(0, all.Count - keep))) Remove(path);
    }

    /// <summary>
    /// Removes checkpoints newer than <paramref name="step"/> (saying so): a run resumed from an older checkpoint
    /// continues from there, and what the abandoned continuation saved is no longer part of it.
    /// </summary>
    public static void RemoveNewerThan(string runFolder, long step, TextWriter messages)
    {
        foreach (var (s, path) in Checkpoints(runFolder).Where(c => c.Step > step))
        {
            Remove(path);
            messages.WriteLine($"removed {Display(path)}: newer than the checkpoint this run resumes from (step {step})");
        }
    }

    private static void Remove(string checkpoint)
    {
        var aside = Path.Combine(Path.GetDirectoryName(checkpoint)!, $".{Path.GetFileName(checkpoint)}.del-{Environment.ProcessId}");
        if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
        Directory.Move(checkpoint, aside);
        Directory.Delete(aside, recursive: true);
    }

    private static void DeleteTree(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    /// <summary>A checkpoint's <c>checkpoint.json</c>, read as a bounded regular file.</summary>
    public static byte[] ReadMetadata(string checkpoint) =>
        InputFile.ReadAll(Path.Combine(checkpoint, RunLayout.MetadataFile), Checkpoint.MaxMetadataBytes);

    /// <summary>
    /// A checkpoint's three files, each a regular file read no further than declared: the model and optimizer files
    /// may hold at most <paramref name="modelData"/> and <paramref name="optimizerData"/> bytes of tensors (what this
    /// run's state has).
    /// </summary>
    public static CheckpointFiles ReadCheckpoint(string checkpoint, long modelData, long optimizerData) =>
        new(InputFile.ReadSafeTensors(Path.Combine(checkpoint, RunLayout.ModelFile), modelData),
            InputFile.ReadSafeTensors(Path.Combine(checkpoint, RunLayout.OptimizerFile), optimizerData),
            ReadMetadata(checkpoint));

    // ---- what --resume names ----

    /// <summary>A resumable run: its folder and the checkpoint to continue from.</summary>
    public sealed record ResumeTarget(string RunFolder, string Checkpoint);

    /// <summary>
    /// What <c>--resume</c> <paramref name="resume"/> names for <paramref name="exercise"/>: <c>latest</c>
    /// (<c>runs/&lt;exercise&gt;/latest</c>), a run folder (its newest complete checkpoint) or one of its checkpoint
    /// folders. Anything else — nothing there, a file (a checkpoint of the older single-file format says so), a FIFO or
    /// device, a folder that is not a run, a run of another exercise or without a checkpoint — is a
    /// <see cref="UsageException"/> with one line. Reads only; changes nothing.
    /// </summary>
    public static ResumeTarget ResolveResume(string resume, string exercise)
    {
        var what = $"--resume {resume}";
        var path = resume == RunLayout.Latest && !Path.Exists(RunLayout.Latest) ? Path.Combine(RunLayout.Root, exercise, RunLayout.Latest) : resume;
        var full = Path.GetFullPath(path);
        if (resume == RunLayout.Latest && !Path.Exists(full))
            throw new UsageException($"{what}: there is no {Path.Combine(RunLayout.Root, exercise, RunLayout.Latest)} here (no run of {exercise} was started from this folder)");
        if (Directory.Exists(full))
        {
            var real = RealPath(full);
            var parent = Path.GetDirectoryName(real);
            ResumeTarget target;
            if (IsCheckpointName(Path.GetFileName(real)) && parent is not null && Path.GetFileName(parent) == RunLayout.CheckpointsFolder)
                target = new ResumeTarget(Path.GetDirectoryName(parent)!, real);
            else if (HoldsRun(real))
            {
                RequireNotLive(real, what);
                target = new ResumeTarget(real, NewestCheckpoint(real)
                    ?? throw new UsageException($"{what}: the run has no complete checkpoint to resume from (--force starts it over)"));
            }
            else if (Path.GetFileName(real).StartsWith(".step-", StringComparison.Ordinal))
                throw new UsageException($"{what}: a checkpoint that was never completed (its writer died); resume the run folder instead");
            else if (File.Exists(Path.Combine(real, $"{exercise}.safetensors")))
                throw new UsageException($"{what}: holds {exercise}.safetensors, a checkpoint of an older format ({Checkpoint.OlderFormat}), "
                                         + "which this version does not resume; start a new run (runs now keep checkpoints in RUN/checkpoints/step-…/)");
            else
                throw new UsageException($"{what}: not a run folder (it has no {RunLayout.LogFile}) nor a checkpoint folder (RUN/{RunLayout.CheckpointsFolder}/step-…)");
            RequireNotLive(target.RunFolder, what);
            RequireRunOf(target.RunFolder, exercise, what);
            return target;
        }
        if (!Path.Exists(full) && InputFile.KindOf(full) is null) throw new UsageException($"{what}: no such file or folder");
        InputFile.RequireRegular(path, "--resume");
        SafeTensorsFile? file = null;
        try
        {
            file = SafeTensors.Deserialize(InputFile.ReadSafeTensors(path, Array.MaxLength, "--resume"), resume);
        }
        catch (InvalidDataException)
        {
            // Not a safetensors file at all: said below.
        }
        if (file is not null && Checkpoint.IsOlderFormat(file.Metadata))
            throw new UsageException($"{what}: a checkpoint of an older format ({Checkpoint.OlderFormat}: <exercise>.safetensors with a .optim.safetensors beside it), "
                                     + "which this version does not resume; start a new run (runs now keep checkpoints in RUN/checkpoints/step-…/)");
        throw new UsageException($"{what}: a file, not a run; --resume takes a run folder, one of its checkpoint folders (RUN/{RunLayout.CheckpointsFolder}/step-…) or {RunLayout.Latest}");
    }

    /// <summary>
    /// The model file <paramref name="path"/> names: a file as it is; the <c>model.safetensors</c> of a checkpoint folder,
    /// or of a run folder's newest checkpoint; <c>latest</c> is <paramref name="exercise"/>'s newest run. A folder with no
    /// checkpoint is a <see cref="UsageException"/> naming <paramref name="option"/>.
    /// </summary>
    public static string ModelFile(string path, string exercise, string option)
    {
        var folder = path == RunLayout.Latest && !Path.Exists(RunLayout.Latest) ? Path.Combine(RunLayout.Root, exercise, RunLayout.Latest) : path;
        if (!Directory.Exists(folder))
        {
            if (path == RunLayout.Latest) throw new UsageException($"{option} {path}: there is no {Path.Combine(RunLayout.Root, exercise, RunLayout.Latest)} here");
            return path;
        }
        if (IsCheckpointName(Path.GetFileName(RealPath(folder)))) return Path.Combine(folder, RunLayout.ModelFile);
        if (NewestCheckpoint(folder) is { } newest) return Path.Combine(newest, RunLayout.ModelFile);
        throw new UsageException(HoldsRun(folder)
            ? $"{option} {path}: the run has no complete checkpoint yet"
            : $"{option} {path}: is a folder, neither a run folder nor a checkpoint folder");
    }

    private static void RequireNotLive(string runFolder, string what)
    {
        if (RunLock.OwnerOf(runFolder) is { Alive: true } owner) throw new UsageException($"{what}: in use by a live run (process {owner.Pid})");
    }

    /// <summary>The full path with symlinks in its last component resolved (so <c>runs/x/latest</c> is the run it names).</summary>
    public static string RealPath(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var target = new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? full : Path.TrimEndingDirectorySeparator(target.FullName);
    }

    private static void RequireRunOf(string runFolder, string exercise, string what)
    {
        var header = ReadHeader(runFolder);
        var made = header.TryGetProperty("exercise", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (made != exercise) throw new UsageException($"{what}: a run of {made ?? "an unknown exercise"}, not of {exercise}");
    }

    /// <summary>
    /// The header (first line) of a run's log, read no further than <see cref="MaxHeaderBytes"/>; a log that does not
    /// start with one is an <see cref="InvalidDataException"/>.
    /// </summary>
    public static JsonElement ReadHeader(string runFolder)
    {
        var path = Path.Combine(runFolder, RunLayout.LogFile);
        var what = Display(path);
        InputFile.RequireRegular(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[Math.Min(MaxHeaderBytes, stream.Length)];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var end = Array.IndexOf(buffer, (byte)'\n', 0, read);
        if (end < 0) throw new InvalidDataException($"{what}: its first line (the header) is missing or longer than {MaxHeaderBytes:N0} bytes");
        try
        {
            using var doc = JsonDocument.Parse(buffer.AsMemory(0, end));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != "header")
                throw new InvalidDataException($"{what}: does not start with a header line");
            return root.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what}: its header is not JSON ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>The lines of a text file after its first, streamed (each without its newline); a last line without a newline is left out (it was being written).</summary>
    public static IEnumerable<string> EventLines(string log) => EventLineBytes(log).Select(line => Encoding.UTF8.GetString(line.Span));

    /// <summary>
    /// The lines of <see cref="EventLines"/> as their UTF-8 bytes, streamed; each is valid until the next is asked for
    /// (the read buffer is reused).
    /// </summary>
    public static IEnumerable<ReadOnlyMemory<byte>> EventLineBytes(string log)
    {
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var buffer = new byte[1 << 16];
        var (start, end, first) = (0, 0, true);
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                if (!first) yield return buffer.AsMemory(start, newline - start);
                first = false;
                start = newline + 1;
                continue;
            }
            // No whole line left in the buffer: keep the unfinished one at its front (growing it when the line fills it), read on.
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            (end, start) = (end - start, 0);
            if (end == buffer.Length) Array.Resize(ref buffer, 2 * buffer.Length);
            var read = stream.Read(buffer, end, buffer.Length - end);
            if (read == 0) yield break;
            end += read;
        }
    }
}
