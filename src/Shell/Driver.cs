using Functional.Training;

namespace Functional.Shell;

/// <summary>Consumes a run's events: logs each, hands each to the exercise's renderer, and returns the final event.</summary>
internal static class Driver
{
    public static Finished Drive(IEnumerable<TrainEvent> events, RunOutput output, Action<TrainEvent> render)
    {
        foreach (var e in events)
        {
            output.Write(e);
            render(e);
            if (e is Finished f) return f;
        }
        throw new InvalidOperationException("the training loop ended without a Finished event");
    }

    /// <summary>The exit code and closing line for how a run stopped.</summary>
    public static int Report(Finished f, TextWriter stderr, string hint)
    {
        switch (f.Reason)
        {
            case StopReason.Cancelled:
                stderr.WriteLine($"interrupted at epoch {f.Next.Epoch}, batch {f.Next.Batch}; the log so far was kept");
                return ExitCodes.Interrupted;
            case StopReason.Diverged:
                var last = f.LastFiniteLoss is { } l ? $"last finite loss {l:G6}" : "no finite loss";
                stderr.WriteLine($"diverged: the loss became non-finite at epoch {f.Next.Epoch}, batch {f.Next.Batch - 1} ({last}); {hint}");
                return ExitCodes.Diverged;
            default:
                return ExitCodes.Ok;
        }
    }
}
