using System.Runtime.InteropServices;

namespace Functional.Shell;

/// <summary>
/// Ends a finished process without the native libraries' teardown. When <c>main</c> returns, .NET shuts itself down
/// (exit handlers, its diagnostic files removed) and then calls the C library's <c>exit</c>, which runs the static
/// destructors of every native library loaded: libtorch's take ≈ 80 ms freeing its operator registry, memory the
/// system takes back anyway (measured in docs/perf.md; the imperative TorchSharp program pays the same). A handler
/// registered last runs first, so one registered as <c>main</c> returns can end the process there with the exit code.
/// </summary>
internal static class NativeTeardown
{
    /// <summary>
    /// Registers <c>_exit</c> as the first exit handler to run: C stdio is flushed now, and when the C library's
    /// <c>exit(status)</c> comes, the process ends with that status, skipping the handlers registered before (the
    /// native libraries' destructors). Call it last, when every file is closed; does nothing off glibc.
    /// </summary>
    public static void SkipAtExit()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "_exit", out var exitNow)) return;
            fflush(0); // whatever native code left in C stdio buffers is written before the handler skips exit's own flush
            on_exit(exitNow, 0); // called as _exit(status, 0): the second argument is ignored
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: exit runs as usual.
        }
    }

    [DllImport("libc")]
    private static extern int fflush(nint stream);

    [DllImport("libc")]
    private static extern int on_exit(nint function, nint arg);
}
