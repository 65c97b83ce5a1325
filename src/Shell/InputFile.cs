using System.Runtime.InteropServices;

namespace Functional.Shell;

/// <summary>
/// Files the user names as input: only a regular file is opened (a folder, FIFO, device or socket is refused before
/// anything is opened, so nothing blocks or reads forever), and never more bytes than stated.
/// </summary>
internal static class InputFile
{
    /// <summary>
    /// The length of the regular file at <paramref name="path"/> (symlinks followed); anything else is a
    /// <see cref="UsageException"/> whose message starts with the <paramref name="option"/> that named it (if any) and the path.
    /// </summary>
    public static long RequireRegular(string path, string? option = null)
    {
        var what = option is null ? path : $"{option} {path}";
        if (Directory.Exists(path)) throw new UsageException($"{what}: is a folder, expected a file");
        var info = new FileInfo(path);
        if (!info.Exists) throw new UsageException($"{what}: file not found");
        var kind = OperatingSystem.IsLinux() ? KindOnLinux(path) : null;
        if (kind is not null and not Regular) throw new UsageException($"{what}: is {kind}, not a regular file");
        // Where the kind is unknown, devices and pipes report length 0 like an empty file: both are refused.
        if (info.Length == 0) throw new UsageException($"{what}: is empty{(kind is Regular ? "" : " or not a regular file")}");
        return info.Length;
    }

    /// <summary>The whole regular file, refused (<see cref="UsageException"/>) when it is longer than <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAll(string path, long maxBytes, string? option = null)
    {
        var what = option is null ? path : $"{option} {path}";
        var length = RequireRegular(path, option);
        if (length > maxBytes) throw new UsageException($"{what}: {length:N0} bytes, more than the {maxBytes:N0} this program reads");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        if (stream.ReadByte() >= 0) throw new UsageException($"{what}: grew while being read");
        return bytes;
    }

    // statx's buffer is laid out the same on every Linux architecture (unlike struct stat): stx_mode is the u16 at offset 28.
    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;

    private const string Regular = "a regular file";

    // What the path is (Regular for a regular file), or null when statx is unavailable or fails.
    private static string? KindOnLinux(string path)
    {
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        return (BitConverter.ToUInt16(buffer, 28) & 0xF000) switch
        {
            0x8000 => Regular,
            0x4000 => "a folder",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0x1000 => "a FIFO (named pipe)",
            0xC000 => "a socket",
            _ => "an unknown kind of file",
        };
    }
}
