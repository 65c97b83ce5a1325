using System.Globalization;

namespace Functional.Shell;

/// <summary>
/// The claim of one live process on a run folder: <c>run.lock</c> holding its pid and start time (<c>"PID START\n"</c>,
/// START from /proc so a reused pid is not taken for the run). Created whole and exclusively (written under a
/// temporary name, then hard-linked to <c>run.lock</c>, which fails if the name exists); removed when the run ends. A
/// lock whose process is gone (kill -9, a power cut) is taken over with a line saying so.
/// </summary>
internal sealed class RunLock : IDisposable
{
    /// <summary>The lock's file name inside a run folder.</summary>
    public const string FileName = "run.lock";

    private readonly string _path;
    private readonly string _content;
    private bool _released;

    private RunLock(string path, string content)
    {
        _path = path;
        _content = content;
    }

    /// <summary>The owner a lock file names, and whether that process still runs.</summary>
    public sealed record Owner(int Pid, long? Start, bool Alive);

    /// <summary>The owner of <paramref name="folder"/>'s lock, or null when it has none (an unreadable lock counts as a dead owner).</summary>
    public static Owner? OwnerOf(string folder)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(folder, FileName));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        return Parse(text);
    }

    private static Owner Parse(string text)
    {
        var parts = text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            return new Owner(0, null, false);
        long? start = parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
        return new Owner(pid, start, IsAlive(pid, start));
    }

    private static bool IsAlive(int pid, long? start)
    {
        if (!Posix.ProcessExists(pid)) return false;
        // A pid can be reused after its process died: with a start time on both sides, only the same process counts.
        var now = Posix.ProcessStart(pid);
        return start is null || now is null || now == start;
    }

    /// <summary>
    /// Takes <paramref name="folder"/>'s lock for this process. A live owner is a <see cref="UsageException"/> (exit 2,
    /// naming <paramref name="what"/>, e.g. <c>--out DIR</c>); a dead owner's lock is taken over, saying so on <paramref name="messages"/>.
    /// </summary>
    public static RunLock Acquire(string folder, string what, TextWriter messages)
    {
        var path = Path.Combine(folder, FileName);
        var self = Environment.ProcessId;
        var content = $"{self} {Posix.ProcessStart(self)?.ToString(CultureInfo.InvariantCulture) ?? "0"}\n";
        var temp = Path.Combine(folder, $".{FileName}.tmp-{self}");
        File.WriteAllText(temp, content);
        try
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                if (Posix.TryLink(temp, path)) return new RunLock(path, content);
                var owner = OwnerOf(folder);
                if (owner is null) continue; // released between the two calls: try again
                if (owner.Alive)
                    throw new UsageException(owner.Pid == self
                        ? $"{what}: already in use by another run in this process"
                        : $"{what}: in use by a live run (process {owner.Pid})");
                // Move the dead owner's lock aside under a name of our own: of two processes doing this, one succeeds.
                var stale = Path.Combine(folder, $".{FileName}.stale-{self}");
                try
                {
                    Posix.Rename(path, stale);
                }
                catch (IOException)
                {
                    continue;
                }
                var moved = Parse(File.ReadAllText(stale));
                File.Delete(stale);
                if (moved.Alive) throw new UsageException($"{what}: in use by a live run (process {moved.Pid})");
                messages.WriteLine(moved.Pid > 0
                    ? $"taking over {RunFolder.Display(folder)}: the run that held it (process {moved.Pid}) is gone"
                    : $"taking over {RunFolder.Display(folder)}: its lock file was unreadable (a run that died while taking it)");
            }
            throw new UsageException($"{what}: its lock keeps changing hands; another run is starting there");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Removes the lock, if it is still this process's (nobody else's lock is ever removed).</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        try
        {
            if (File.Exists(_path) && File.ReadAllText(_path) == _content) File.Delete(_path);
        }
        catch (IOException)
        {
            // A lock that cannot be removed is stale once this process ends; the next run takes it over.
        }
    }
}
