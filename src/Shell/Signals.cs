using System.Runtime.InteropServices;

namespace Functional.Shell;

/// <summary>
/// Turns the first SIGINT/SIGTERM into a cancellation (the run finishes its step, saves and exits 130);
/// a second one exits at once with 130.
/// </summary>
internal sealed class Signals : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _int;
    private readonly PosixSignalRegistration _term;
    private int _count;

    public Signals()
    {
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _count) > 1)
            ExitNow();
        // Under a live progress bar the line waits for the bar to stop, or the bar's next redraw would wipe it.
        Rendering.Progress.WriteLine(Console.Error, "interrupt: finishing the current step (press Ctrl+C again to exit at once)");
        _cts.Cancel();
    }

    // Environment.Exit would run the process's exit handlers, libtorch's static destructors among them, while the main
    // thread is still inside a native training step: that crashed natively (SIGSEGV, "INTERNAL ASSERT FAILED") in 15 of
    // 21 double-Ctrl+C runs. _exit ends the process without running any of it. Files are safe: checkpoints appear only
    // by an atomic rename and the log is cut back to the checkpoint on resume.
    private static void ExitNow()
    {
        try
        {
            // The progress bar hides the cursor; a process that ends under it must give it back.
            if (!Console.IsErrorRedirected) Console.Error.Write("\u001b[?25h\n");
            Console.Error.WriteLine("interrupted again: exiting now");
            Console.Error.Flush();
        }
        finally
        {
            _exit(ExitCodes.Interrupted);
        }
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _cts.Dispose();
    }
}
