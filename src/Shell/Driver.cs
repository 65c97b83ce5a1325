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
}
