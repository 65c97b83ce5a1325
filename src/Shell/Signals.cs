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

    public Signals()
    {
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted again: exiting now");
            Environment.Exit(ExitCodes.Interrupted);
        }
        Console.Error.WriteLine("interrupt: finishing the current step (press Ctrl+C again to exit at once)");
        _cts.Cancel();
    }

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _cts.Dispose();
    }
}
