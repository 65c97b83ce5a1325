namespace Functional.Training.Exercises;

/// <summary>
/// An exercise ready to train, the one shape every exercise's <c>Prepare</c> returns: its trainer (one model's
/// <see cref="Trainer"/> or an ensemble's), the starting state, the plan (epochs, each epoch's data, the evaluation) and
/// the data the plan and the exercise's reports read. Dispose frees the data; the initial state belongs to whoever runs
/// it (<see cref="Loop.Run"/> takes it over).
/// </summary>
public sealed record Prepared<TTrainer, TData>(TTrainer Trainer, TrainState Initial, RunPlan Plan, TData Data) : IDisposable
    where TTrainer : ITrainer
    where TData : IDisposable
{
    /// <summary>Frees the data (not the initial state).</summary>
    public void Dispose() => Data.Dispose();
}
