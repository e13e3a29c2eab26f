using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>Anomalies one attempt reported (suspicious output, a warning the activity raised).</summary>
public sealed record AttemptAnomalies(string TaskId, int Attempt, IReadOnlyList<string> Found);

/// <summary>A state change of one run, decided by <see cref="RunProgress"/> and about to be committed.</summary>
/// <param name="Run">The run after the change.</param>
/// <param name="Tasks">Every task instance of the run after the change.</param>
public sealed record RunChange(
    WorkflowPlan Plan, RunRecord Run, RunChanges Changes, IReadOnlyList<TaskInstanceRecord> Tasks, IReadOnlyList<AttemptAnomalies> Anomalies, DateTimeOffset Now);

/// <summary>The transaction a change is persisted in, as its participants see it.</summary>
public interface IRunChangeTransaction
{
    /// <summary>Runs <paramref name="action"/> once the transaction has committed (never when it rolls back).</summary>
    void OnCommitted(Action action);
}

/// <summary>
/// A side effect that joins a run's state change (alerts, metrics), as Hangfire's <c>IApplyStateFilter</c> joins
/// a job's: queues call every participant inside the transaction that persists the change, so what a participant
/// writes there commits exactly when the change does. Participants do not decide states; they follow them.
/// </summary>
public interface IRunChangeParticipant
{
    Task OnChangeAsync(RunChange change, IRunChangeTransaction transaction, CancellationToken cancellationToken);
}
