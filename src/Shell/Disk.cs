namespace Functional.Shell;

/// <summary>
/// Where a run's own files (log, metrics, checkpoints) are written: the real file system, or, in the fault-injection
/// tests, one that runs out of space after a given number of bytes (<see cref="FullAfter"/>). The disk in use is
/// ambient (<see cref="Current"/>, set for a call chain with <see cref="Use"/>), so the commands need not pass it along.
/// </summary>
internal class Disk
{
    private static readonly AsyncLocal<Disk?> Ambient = new();

    /// <summary>The real file system.</summary>
    public static Disk Real { get; } = new();

    /// <summary>The disk of the current call chain: <see cref="Real"/> unless a test chose another.</summary>
    public static Disk Current => Ambient.Value ?? Real;

    /// <summary>Makes <paramref name="disk"/> the current one until the returned value is disposed.</summary>
    public static IDisposable Use(Disk disk)
    {
        var previous = Ambient.Value;
        Ambient.Value = disk;
        return new Restore(() => Ambient.Value = previous);
    }

    /// <summary>A disk on which the files <paramref name="affects"/> selects get only <paramref name="bytes"/> bytes in all, then "No space left on device".</summary>
    public static Disk FullAfter(long bytes, Func<string, bool> affects) => new Full(bytes, affects);

    /// <summary>Opens <paramref name="path"/> for writing.</summary>
    public virtual FileStream OpenWrite(string path, FileMode mode) => new(path, mode, FileAccess.Write, FileShare.Read, bufferSize: 0);

    /// <summary>Wraps a stream opened by <see cref="OpenWrite"/>, for disks that count bytes.</summary>
    public virtual Stream Writer(FileStream stream) => stream;

    /// <summary>Writes a new file (it must not exist) and flushes it to disk.</summary>
    public void WriteNew(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = OpenWrite(path, FileMode.CreateNew);
        using var writer = Writer(file);
        writer.Write(bytes);
        writer.Flush();
        file.Flush(flushToDisk: true);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private sealed class Full(long budget, Func<string, bool> affects) : Disk
    {
        private long _left = budget;

        public override Stream Writer(FileStream stream) => affects(stream.Name) ? new Budgeted(stream, this) : stream;

        // Takes up to n bytes of the budget; returns how many were granted.
        private int Take(int n)
        {
            lock (this)
            {
                var granted = (int)Math.Min(n, _left);
                _left -= granted;
                return granted;
            }
        }

        private sealed class Budgeted(FileStream inner, Full disk) : Stream
        {
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => inner.Length;
            public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() => inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => inner.SetLength(value);

            public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

            // As a full disk does: what fits is written, then the write fails.
            public override void Write(ReadOnlySpan<byte> buffer)
            {
                var granted = disk.Take(buffer.Length);
                inner.Write(buffer[..granted]);
                if (granted < buffer.Length) throw new IOException("No space left on device (simulated)", 28);
            }
        }
    }
}
