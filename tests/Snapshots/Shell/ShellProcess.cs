using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The built shell run as a real process (what a user starts), for what only a process can show: signals, exit codes
/// of a dying process, kill -9. Output is collected as it arrives so a test can wait for a line.
/// </summary>
internal sealed class ShellProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();

    private ShellProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>dotnet Functional.Shell.dll</c> with <paramref name="args"/>.</summary>
    public static ShellProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Functional.Shell.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Start(start);
    }

    /// <summary>Starts <paramref name="start"/> (another way in, e.g. the ./functional launcher) with its output collected.</summary>
    public static ShellProcess Start(ProcessStartInfo start)
    {
        start = WithDefaultSignals(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return new ShellProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}"));
    }

    // A test run started as a background job of a non-interactive shell (as CI may start it) ignores SIGINT, and an
    // ignored signal stays ignored across exec: the shell would then never see the Ctrl+C a test sends (seen: every
    // signal test timed out that way, the child's SigIgn showing INT). `env --default-signal` gives the child the
    // disposition a terminal gives it; `env` execs, so the pid is the shell's own.
    private static ProcessStartInfo WithDefaultSignals(ProcessStartInfo start)
    {
        var wrapped = new ProcessStartInfo("env") { WorkingDirectory = start.WorkingDirectory, UseShellExecute = false };
        wrapped.ArgumentList.Add("--default-signal=INT,TERM");
        wrapped.ArgumentList.Add(start.FileName);
        foreach (var a in start.ArgumentList) wrapped.ArgumentList.Add(a);
        foreach (var (key, value) in start.Environment) wrapped.Environment[key] = value;
        return wrapped;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }
    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }

    /// <summary>Waits until stdout or stderr holds <paramref name="text"/>; false if the process ended or the time ran out first.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Stdout.Contains(text, StringComparison.Ordinal) || Stderr.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) return false;
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. <see cref="SIGINT"/>) to the process.</summary>
    public void Signal(int signal)
    {
        if (!TrySignal(signal)) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: the process has ended");
    }

    /// <summary>Sends <paramref name="signal"/>; false if the process had already ended (and been reaped), so there was nobody to signal.</summary>
    public bool TrySignal(int signal)
    {
        if (kill(_process.Id, signal) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ESRCH) return false;
        throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {errno}");
    }

    /// <summary>Waits for the exit and returns the exit code (128 + n for a death by signal n, as a shell reports it).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the shell did not exit within {timeout}; stderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    private const int ESRCH = 3;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
