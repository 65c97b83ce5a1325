using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Functional.Formats;

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

    /// <summary>
    /// The safetensors file at <paramref name="path"/> (a regular file, see <see cref="RequireRegular"/>), read no further
    /// than its header declares plus one byte: the 8-byte header length, the header, then exactly the data its offsets
    /// cover. A header that declares more than <paramref name="maxDataBytes"/> bytes of tensors, or a size other than the
    /// file's, is an <see cref="InvalidDataException"/> before the data is read.
    /// </summary>
    public static byte[] ReadSafeTensors(string path, long maxDataBytes, string? option = null)
    {
        var what = option is null ? path : $"{option} {path}";
        var length = RequireRegular(path, option);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        if (length < 8) throw new InvalidDataException($"{what}: {length} bytes, too short for a safetensors file");
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)SafeTensors.MaxHeaderBytes || headerLength > (ulong)(length - 8))
            throw new InvalidDataException($"{what}: its header claims {headerLength:N0} bytes, the file has {length:N0} in all");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var data = DeclaredData(header, what);
        if (data > maxDataBytes) throw new InvalidDataException($"{what}: declares {data:N0} bytes of tensors, more than the {maxDataBytes:N0} expected");
        var total = 8 + (long)headerLength + data;
        if (total != length)
            throw new InvalidDataException(total > length
                ? $"{what}: truncated ({length:N0} bytes, its header declares {total:N0})"
                : $"{what}: {length - total:N0} bytes after the data its header declares");
        var bytes = new byte[total];
        prefix.CopyTo(bytes, 0);
        header.CopyTo(bytes, 8);
        stream.ReadExactly(bytes.AsSpan(8 + header.Length));
        if (stream.ReadByte() >= 0) throw new InvalidDataException($"{what}: grew while being read");
        return bytes;
    }

    // The end of the data section a safetensors header declares: the largest end offset of its tensors.
    private static long DeclaredData(byte[] header, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(header);
            long end = 0;
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == SafeTensors.MetadataKey) continue;
                var offsets = entry.Value.GetProperty("data_offsets");
                if (offsets.GetArrayLength() != 2) throw new InvalidDataException($"{what}: tensor '{entry.Name}' has no [start, end] data offsets");
                end = Math.Max(end, offsets[1].GetInt64());
            }
            return end;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"{what}: not a safetensors file (its header does not parse: {e.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>What is at <paramref name="path"/> (symlinks followed): "a regular file", "a folder", "a FIFO (named pipe)", …; null when nothing is there or it cannot be told.</summary>
    public static string? KindOf(string path) => OperatingSystem.IsLinux() ? KindOnLinux(path) : null;

    /// <summary>The <see cref="KindOf"/> text of a regular file.</summary>
    public const string RegularFile = Regular;

    /// <summary>The <see cref="KindOf"/> text of a FIFO.</summary>
    public const string Fifo = "a FIFO (named pipe)";

    /// <summary>The <see cref="KindOf"/> text of a character device (/dev/null, a terminal, …).</summary>
    public const string CharacterDevice = "a character device";

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
            0x2000 => CharacterDevice,
            0x6000 => "a block device",
            0x1000 => Fifo,
            0xC000 => "a socket",
            _ => "an unknown kind of file",
        };
    }
}
