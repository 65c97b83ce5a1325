using System.Diagnostics;

namespace Functional.Shell.Commands;

/// <summary>
/// <c>bench memory --compare</c>: the peak resident memory of whole runs, one process each, ours against the plain
/// imperative TorchSharp program (bench/Imperative) and, where <c>/usr/bin/python3</c> has torch, PyTorch running the
/// tutorial's calls (tools/reference/reference.py), on the same exercise, seed and steps. Each run's peak is the
/// kernel's high-water mark of its resident set (<c>VmHWM</c> in /proc/PID/status), read every 5 ms while it runs (the
/// last read before it exits stands; the mark only grows). Prints every command exactly as run, and ratios; it judges nothing.
/// </summary>
internal static class BenchPeak
{
    /// <summary>The runs compared, per exercise: the shell's arguments (the imperative program and the reference take the same).</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Runs = new Dictionary<string, string[]>
    {
        ["logic"] = ["logic", "--epochs", "1"],
        ["xor"] = ["xor", "--seed", "3"],
        ["mnist"] = ["mnist", "--seed", "4", "--epochs", "1"],
    };

    /// <summary>The implementations compared, in the order each exercise runs them.</summary>
    private enum Kind { Ours, Imperative, PyTorch }

    /// <summary>Runs each of <paramref name="exercises"/> with every implementation found, one after the other; 0 unless a run failed.</summary>
    public static int Run(IReadOnlyList<string> exercises, string? imperativeDll, string? reference, TextWriter stdout, CancellationToken cancel)
    {
        var root = RepositoryRoot();
        imperativeDll ??= root is null ? null : Path.Combine(root, "bench", "Imperative", "bin", "Release", "net10.0", "Functional.Imperative.dll");
        reference ??= root is null ? null : Path.Combine(root, "tools", "reference", "reference.py");
        var python = PythonWithTorch(reference);
        var work = Path.Combine(Path.GetTempPath(), $"functional-bench-memory-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        stdout.WriteLine($"bench memory --compare: peak resident memory (VmHWM) of whole runs, one process each, run one after the other; scratch folder {work}");
        if (imperativeDll is null || !File.Exists(imperativeDll))
            stdout.WriteLine($"  imperative: not found ({imperativeDll ?? "no repository around this app"}); build it with: dotnet build bench/Imperative -c Release");
        if (python is null)
            stdout.WriteLine($"  pytorch: skipped ({(reference is null || !File.Exists(reference) ? $"no reference script ({reference ?? "no repository around this app"})" : "/usr/bin/python3 cannot import torch; apt-get install python3-torch python3-numpy")})");
        var failed = false;
        try
        {
            foreach (var exercise in exercises)
            {
                var peaks = new Dictionary<Kind, double>();
                foreach (var kind in Enum.GetValues<Kind>())
                {
                    if (cancel.IsCancellationRequested) return ExitCodes.Interrupted;
                    var command = Command(kind, exercise, imperativeDll, python, reference, work);
                    if (command is null) continue;
                    var (code, peakMb) = Measure(command.Value.File, command.Value.Args, cancel);
                    var shown = string.Join(" ", new[] { command.Value.File }.Concat(command.Value.Args).Select(CommonOptions.ShellQuote));
                    stdout.WriteLine(string.Format(Inv, "{0,-6} {1,-10} peak {2,7:F1} MB  exit {3}  {4}", exercise, kind.ToString().ToLowerInvariant(), peakMb, code, shown));
                    if (code != 0) failed = true;
                    else peaks[kind] = peakMb;
                }
                if (peaks.TryGetValue(Kind.Ours, out var ours))
                    stdout.WriteLine(string.Format(Inv, "{0,-6} ratio      {1}", exercise,
                        string.Join(", ", new[] { Kind.Imperative, Kind.PyTorch }.Where(peaks.ContainsKey)
                            .Select(k => string.Format(Inv, "ours/{0} {1:F3}", k.ToString().ToLowerInvariant(), ours / peaks[k])).DefaultIfEmpty("nothing to compare with"))));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static (string File, string[] Args)? Command(Kind kind, string exercise, string? imperativeDll, string? python, string? reference, string work)
    {
        var args = Runs[exercise];
        return kind switch
        {
            // This very app, started the way the launcher starts it; quiet, into a run folder of its own.
            Kind.Ours => (DotNet(), [typeof(BenchPeak).Assembly.Location, .. args, "--quiet", "--out", Path.Combine(work, $"ours-{exercise}")]),
            Kind.Imperative when imperativeDll is not null && File.Exists(imperativeDll) => (DotNet(), [imperativeDll, .. args, "--quiet"]),
            Kind.PyTorch when python is not null => (python, [reference!, "--command", string.Join(" ", args), "--log", Path.Combine(work, $"pytorch-{exercise}.jsonl")]),
            _ => null,
        };
    }

    // The dotnet host running this app (its process path), or the one on PATH.
    private static string DotNet() =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    /// <summary>Runs the command with its output discarded; its exit code and the peak of its resident set in MB.</summary>
    internal static (int ExitCode, double PeakMb) Measure(string file, IReadOnlyList<string> args, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(cancel), process.StandardError.ReadToEndAsync(cancel));
        var status = $"/proc/{process.Id}/status";
        long peakKb = 0;
        while (!process.HasExited)
        {
            peakKb = Math.Max(peakKb, HighWaterKb(status));
            if (cancel.IsCancellationRequested) { process.Kill(entireProcessTree: true); break; }
            Thread.Sleep(5);
        }
        process.WaitForExit();
        drained.Wait(cancel);
        return (process.ExitCode, peakKb / 1024.0);
    }

    // VmHWM of a live process in kB; 0 once it is gone (or between its exit and its reaping, when the line is absent).
    private static long HighWaterKb(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    // /usr/bin/python3 when it can import torch and the reference script exists; null otherwise.
    private static string? PythonWithTorch(string? reference)
    {
        const string python = "/usr/bin/python3";
        if (reference is null || !File.Exists(reference) || !File.Exists(python)) return null;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import torch"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (p is null) return null;
            p.WaitForExit();
            return p.ExitCode == 0 ? python : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    // The repository this app was built in: the first folder above it holding Functional.sln.
    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln"))) return dir.FullName;
        return null;
    }
}
