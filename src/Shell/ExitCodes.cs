namespace Functional.Shell;

/// <summary>Process exit codes of the shell.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int Diverged = 3;
    public const int Interrupted = 130;
}

/// <summary>A mistake in the user's input: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
