using System.Runtime.InteropServices;

namespace Functional.Shell;

/// <summary>
/// The few POSIX calls .NET does not offer: fsync of a folder (so a rename inside it is durable), an exclusive hard
/// link (creates a name only if it does not exist), rename of a symlink itself, whether a process lives, and a
/// non-blocking open that tells whether a FIFO has a reader.
/// </summary>
internal static class Posix
{
    /// <summary>Flushes a folder's entries (a rename or a new file inside it) to disk. Best effort where the platform has no such call.</summary>
    public static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var fd = open(folder, ORdOnly | ODirectory);
        if (fd < 0) throw Error($"cannot open folder {folder} to sync it");
        try
        {
            if (fsync(fd) != 0) throw Error($"cannot sync folder {folder}");
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>Creates <paramref name="name"/> as a second name of <paramref name="existing"/>; false (nothing done) when <paramref name="name"/> exists.</summary>
    public static bool TryLink(string existing, string name)
    {
        if (link(existing, name) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EExist) return false;
        throw Error($"cannot create {name}", errno);
    }

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/> (replacing it), symlinks as themselves: rename(2).</summary>
    public static void Rename(string from, string to)
    {
        if (rename(from, to) != 0) throw Error($"cannot rename {from} to {to}");
    }

    /// <summary>Whether process <paramref name="pid"/> exists (it may belong to another user).</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0) return false;
        if (kill(pid, 0) == 0) return true;
        return Marshal.GetLastPInvokeError() == EPerm;
    }

    /// <summary>
    /// The start time of process <paramref name="pid"/> (clock ticks since boot, field 22 of /proc/PID/stat): with the pid
    /// it names one process, even after the pid is reused. Null when it is not running or the platform has no /proc.
    /// </summary>
    public static long? ProcessStart(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 && long.TryParse(fields[19], out var start) ? start : null;
    }

    /// <summary>
    /// Opens the FIFO at <paramref name="path"/> for writing without waiting: null when no process has it open for reading
    /// (a plain open would block until one does). The stream blocks on writes as a pipe does. It is kept open, not
    /// probed and closed: a reader such as <c>cat</c> ends at the first writer's close.
    /// </summary>
    public static FileStream? OpenFifoWriter(string path)
    {
        var fd = open(path, OWrOnly | ONonBlock);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENxio) return null;
            throw Error($"cannot open {path}", errno);
        }
        var flags = fcntl(fd, FGetFl, 0);
        if (flags < 0 || fcntl(fd, FSetFl, flags & ~ONonBlock) < 0)
        {
            var error = Error($"cannot set up {path}");
            close(fd);
            throw error;
        }
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    private static IOException Error(string what, int? errno = null)
    {
        var code = errno ?? Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(code)}", code);
    }

    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private static int ODirectory => OperatingSystem.IsMacOS() ? 0x100000 : 0x10000;
    private static int ONonBlock => OperatingSystem.IsMacOS() ? 0x4 : 0x800;
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int EPerm = 1;
    private const int ENxio = 6;
    private const int EExist = 17;

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", SetLastError = true)]
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
