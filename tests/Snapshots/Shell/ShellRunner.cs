using Functional.Shell;

namespace Functional.Snapshots.Shell;

/// <summary>Runs the shell through its real entry point with captured output.</summary>
internal static class ShellRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(CancellationToken cancel, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Cli.RunAsync(args, stdout, stderr, cancel).GetAwaiter().GetResult();
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    public static Result Run(params string[] args) => Run(CancellationToken.None, args);

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "functional-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
