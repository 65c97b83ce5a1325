using System.Diagnostics;

namespace Functional.Shell;

/// <summary>
/// Start-up probes for measuring where a run's time goes: with <c>FUNCTIONAL_TRACE=1</c> in the environment, each
/// <see cref="Mark"/> writes the milliseconds since the process started (and since the previous mark), the methods the JIT
/// compiled since the previous mark and its time on them (what ReadyToRun did not precompile), the resident memory and the
/// GC heap, what was just done and the assemblies loaded since the previous mark to stderr; otherwise a mark costs one static field read. Used by the performance notes (docs/perf.md).
/// </summary>
internal static class StartupTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("FUNCTIONAL_TRACE") == "1";
    private static double _last;
    private static long _jitted;
    private static TimeSpan _jitTime;
    private static readonly HashSet<string> Loaded = [];

    // Live TorchSharp tensors (created and not yet disposed or finalized), or -1 before TorchSharp is loaded; its own
    // method, so that a mark does not load TorchSharp.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long LiveTensors() =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "TorchSharp") ? TorchSharp.torch.Tensor.TotalCount : -1;

    /// <summary>Records that <paramref name="what"/> just finished.</summary>
    public static void Mark(string what)
    {
        if (!On) return;
        var now = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").Where(Loaded.Add).Order().ToList();
        var gc = GC.GetGCMemoryInfo();
        var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        Console.Error.WriteLine($"trace {now,8:F1} ms (+{now - _last,7:F1})  jit {jitted - _jitted,5} in {(jitTime - _jitTime).TotalMilliseconds,5:F1} ms  rss {Environment.WorkingSet / 1e6,6:F1} MB  gc heap {gc.HeapSizeBytes / 1e6,5:F1} MB committed {gc.TotalCommittedBytes / 1e6,5:F1} MB  tensors {LiveTensors(),6}  {what}"
                                + (loaded.Count > 0 ? $"  [loaded {string.Join(", ", loaded)}]" : ""));
        (_last, _jitted, _jitTime) = (now, jitted, jitTime);
    }
}
