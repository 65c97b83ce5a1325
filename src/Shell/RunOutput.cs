using System.Globalization;
using System.Text;
using Functional.Training;

namespace Functional.Shell;

/// <summary>
/// The files a run writes: the JSON Lines log (<c>--log</c>) and the output folder (<c>--out</c>). Files are written to a
/// temporary name in the same folder and renamed into place on <see cref="Commit"/>, so a failed run leaves nothing
/// half-written; an interrupted run commits what it has.
/// </summary>
internal sealed class RunOutput : IDisposable
{
    private readonly string? _logPath;
    private readonly string? _logTemp;
    private readonly StreamWriter? _log;
    private bool _committed;

    private RunOutput(string? logPath, string? outDir)
    {
        OutDir = outDir;
        if (logPath is null) return;
        _logPath = logPath;
        _logTemp = Path.Combine(Path.GetDirectoryName(logPath)!, $".{Path.GetFileName(logPath)}.{Environment.ProcessId}.tmp");
        _log = new StreamWriter(_logTemp, false, new UTF8Encoding(false));
    }

    /// <summary>The output folder, created on demand by <see cref="OutFile"/>; null when <c>--out</c> was not given.</summary>
    public string? OutDir { get; }

    /// <summary>Checks the paths before any work is done; a bad path is a <see cref="UsageException"/>.</summary>
    public static RunOutput Open(string? log, string? outDir)
    {
        string? logPath = null;
        if (log is not null)
        {
            logPath = Path.GetFullPath(log);
            var dir = Path.GetDirectoryName(logPath)!;
            if (Directory.Exists(logPath)) throw new UsageException($"--log {log}: is a folder, expected a file path");
            if (!Directory.Exists(dir)) throw new UsageException($"--log {log}: folder {dir} does not exist");
        }
        string? outPath = null;
        if (outDir is not null)
        {
            outPath = Path.GetFullPath(outDir);
            if (File.Exists(outPath)) throw new UsageException($"--out {outDir}: is a file, expected a folder");
            RequireWritable(outPath, $"--out {outDir}");
        }
        if (logPath is not null && outPath is not null && (logPath == outPath || outPath.StartsWith(logPath + Path.DirectorySeparatorChar)))
            throw new UsageException($"--log {log}: the same path as the --out folder");
        try
        {
            return new RunOutput(logPath, outPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--log {log}: cannot write ({e.Message})");
        }
    }

    /// <summary>
    /// For a resumed run: starts the new log with the existing log's events from before <paramref name="start"/>, so the
    /// finished log reads as one uninterrupted run.
    /// </summary>
    public void ContinueFrom(Position start)
    {
        if (_log is null || _logPath is null || !File.Exists(_logPath) || start == Position.Start) return;
        foreach (var line in File.ReadLines(_logPath))
        {
            if (IsBefore(line, start)) _log.WriteLine(line);
        }
    }

    private static bool IsBefore(string line, Position start)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            var root = doc.RootElement;
            var kind = root.GetProperty("event").GetString();
            var epoch = root.GetProperty("epoch").GetInt32();
            return kind switch
            {
                "step" => epoch < start.Epoch || (epoch == start.Epoch && root.GetProperty("batch").GetInt32() < start.Batch),
                "epoch" => epoch < start.Epoch,
                _ => false,
            };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false; // not an event line (or a torn last line): not carried over
        }
    }

    /// <summary>Appends a step or epoch event to the log (other events are not logged).</summary>
    public void Write(TrainEvent e)
    {
        if (_log is null) return;
        var line = e switch
        {
            StepEvent s => $"{{\"event\":\"step\",\"epoch\":{s.Epoch},\"batch\":{s.Batch},\"loss\":{Json(s.Loss)}}}",
            EpochEvent ep => $"{{\"event\":\"epoch\",\"epoch\":{ep.Epoch},\"loss\":{Json(ep.Loss)}"
                             + (ep.ValLoss is { } v ? $",\"val_loss\":{Json(v)}" : "")
                             + (ep.Accuracy is { } a ? $",\"accuracy\":{Json(a)}" : "") + "}",
            _ => null,
        };
        if (line is not null) _log.WriteLine(line);
    }

    /// <summary>Writes an extra JSON object line to the log (e.g. a run summary).</summary>
    public void WriteRaw(string jsonObject) => _log?.WriteLine(jsonObject);

    /// <summary>A path inside the output folder, creating the folder if needed; null when there is no <c>--out</c>.</summary>
    public string? OutFile(string name)
    {
        if (OutDir is null) return null;
        Directory.CreateDirectory(OutDir);
        return Path.Combine(OutDir, name);
    }

    /// <summary>Flushes the log and moves it into place.</summary>
    public void Commit()
    {
        if (_log is null || _committed) return;
        _log.Flush();
        _log.Dispose();
        File.Move(_logTemp!, _logPath!, overwrite: true);
        _committed = true;
    }

    /// <summary>Removes an uncommitted log.</summary>
    public void Dispose()
    {
        if (_log is null || _committed) return;
        _log.Dispose();
        File.Delete(_logTemp!);
    }

    /// <summary>A double as JSON: shortest round-trip form, invariant culture; NaN/∞ (not JSON numbers) as strings.</summary>
    public static string Json(double x) =>
        double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : $"\"{x.ToString(CultureInfo.InvariantCulture)}\"";

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
