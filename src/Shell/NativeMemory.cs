using System.Runtime.InteropServices;

namespace Functional.Shell;

/// <summary>
/// Gives memory the process no longer uses back to the system. libtorch allocates every tensor with glibc's malloc;
/// freed small and medium blocks (a run's per-batch gathers, autograd's temporaries) stay in malloc's arenas, resident,
/// until trimmed. Measured on an MNIST epoch in docs/perf.md.
/// </summary>
internal static class NativeMemory
{
    /// <summary>
    /// Collects the managed heap (so tensors nobody disposed release their native memory) and trims malloc's arenas;
    /// does nothing where glibc is not the C library.
    /// </summary>
    public static void Release()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries have no malloc_trim: nothing to give back this way.
        }
    }

    /// <summary>
    /// Fixes glibc's thresholds before libtorch allocates: blocks from 64 KB are mapped (and unmapped when freed) and
    /// free memory at the top of the heap from 128 KB is given back. glibc's default raises the mapping threshold up to
    /// 32 MB as large blocks are freed (loading the data frees a few), after which such blocks stay in the heap when freed.
    /// </summary>
    public static void Configure()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            MallOpt(MTrimThreshold, 128 * 1024);
            MallOpt(MMmapThreshold, 64 * 1024);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: its own defaults stand.
        }
    }

    private const int MTrimThreshold = -1, MMmapThreshold = -3; // glibc's malloc.h

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
