using Functional.Training;

namespace Functional.Properties.Support;

/// <summary>Runs a prepared training plan to the end and keeps its log events: steps and epochs (the final state is disposed).</summary>
public static class Runs
{
    public static List<TrainEvent> Events(ITrainer trainer, TrainState initial, RunPlan plan)
    {
        var events = new List<TrainEvent>();
        foreach (var e in Loop.Run(trainer, initial, plan))
        {
            if (e is Finished f) f.State.Dispose();
            else if (e is StepEvent or EpochEvent or MemberEpochEvent) events.Add(e);
        }
        return events;
    }

    public static List<double> StepLosses(Trainer trainer, TrainState initial, RunPlan plan) =>
        [.. Events(trainer, initial, plan).OfType<StepEvent>().Select(s => s.Loss)];
}
