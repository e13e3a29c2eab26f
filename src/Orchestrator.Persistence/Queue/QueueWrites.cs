using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Model;
using Orchestrator.Persistence.Entities;

namespace Orchestrator.Persistence.Queue;

/// <summary>
/// The rows a queue transaction writes, collected while it decides and written together before it commits by the
/// provider's <see cref="IQueueWriter"/>: on PostgreSQL one set-based statement per kind of row, whatever the number
/// of rows, instead of one change-tracked statement per row.
/// </summary>
internal sealed class QueueWrites
{
    /// <summary>Task instances of a run being created, every column.</summary>
    public List<TaskInstanceEntity> NewTasks { get; } = [];

    /// <summary>Task instances an event changed: the event's columns, the run's revision, the lease cleared unless running.</summary>
    public List<TaskInstanceEntity> ChangedTasks { get; } = [];

    /// <summary>Task instances claimed: state, attempts, start, lease and pool (the revision stays).</summary>
    public List<TaskInstanceEntity> ClaimedTasks { get; } = [];

    public List<AttemptEntity> NewAttempts { get; } = [];

    /// <summary>Attempts that ended: every column but the key.</summary>
    public List<AttemptEntity> ChangedAttempts { get; } = [];

    /// <summary>Tracked run rows an event changed: state, times, error, cancel request and revision.</summary>
    public List<RunEntity> ChangedRuns { get; } = [];

    public bool IsEmpty => NewTasks.Count == 0 && ChangedTasks.Count == 0 && ClaimedTasks.Count == 0
                           && NewAttempts.Count == 0 && ChangedAttempts.Count == 0 && ChangedRuns.Count == 0;
}

/// <summary>Writes a transaction's <see cref="QueueWrites"/>; the context's own changes are saved after it.</summary>
internal interface IQueueWriter
{
    Task WriteAsync(OrchestratorDbContext db, QueueWrites writes, CancellationToken cancellationToken);

    /// <summary>
    /// Before a claim, outside its transaction: puts the retries due at <paramref name="now"/> back in the queue
    /// (<see cref="Core.Engine.RunStateMachine.QueueDueRetry"/>) and tells whether any task instance is queued
    /// (false: nothing to claim). Two nodes doing it at once merely find the rows already queued.
    /// </summary>
    Task<bool> QueueDueRetriesAsync(OrchestratorDbContext db, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// SQLite: the rows are handed to the context's change tracker, and saved with the rest of the transaction (SQLite
/// runs in the process, so a statement per row costs no round trip).
/// </summary>
internal sealed class SqliteQueueWriter : IQueueWriter
{
    private static readonly string[] ChangedTaskColumns =
    [
        nameof(TaskInstanceEntity.State), nameof(TaskInstanceEntity.Attempts), nameof(TaskInstanceEntity.MaxAttempts),
        nameof(TaskInstanceEntity.NextAttemptAt), nameof(TaskInstanceEntity.StartedAt), nameof(TaskInstanceEntity.EndedAt),
        nameof(TaskInstanceEntity.OutputsJson), nameof(TaskInstanceEntity.Error), nameof(TaskInstanceEntity.QueuedAt),
        nameof(TaskInstanceEntity.Revision),
    ];

    private static readonly string[] ClaimedTaskColumns =
    [
        nameof(TaskInstanceEntity.State), nameof(TaskInstanceEntity.Attempts), nameof(TaskInstanceEntity.StartedAt),
        nameof(TaskInstanceEntity.LeaseOwner), nameof(TaskInstanceEntity.LeaseExpiresAt), nameof(TaskInstanceEntity.Pool),
        nameof(TaskInstanceEntity.PoolSlots),
    ];

    private static readonly string[] AttemptColumns =
    [
        nameof(AttemptEntity.StartedAt), nameof(AttemptEntity.EndedAt), nameof(AttemptEntity.Outcome), nameof(AttemptEntity.Error),
        nameof(AttemptEntity.QueuedAt), nameof(AttemptEntity.Worker), nameof(AttemptEntity.InputsJson),
    ];

    public async Task<bool> QueueDueRetriesAsync(OrchestratorDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var retry = Core.Engine.RunStateMachine.QueueDueRetry;
        var queued = Core.Engine.RunStateMachine.StartAttempt.From;
        if (!await db.TaskInstances.AnyAsync(t => t.State == queued || (t.State == retry.From && t.NextAttemptAt <= now), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await db.TaskInstances
            .Where(t => t.State == retry.From && t.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.State, retry.To)
                .SetProperty(t => t.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(t => t.QueuedAt, now), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task WriteAsync(OrchestratorDbContext db, QueueWrites writes, CancellationToken cancellationToken)
    {
        db.TaskInstances.AddRange(writes.NewTasks);
        foreach (var row in writes.ChangedTasks)
        {
            var entry = Modify(db, row, ChangedTaskColumns);
            if (row.State != TaskState.Running)
            {
                entry.Property(t => t.LeaseOwner).IsModified = true;
                entry.Property(t => t.LeaseExpiresAt).IsModified = true;
            }
        }

        foreach (var row in writes.ClaimedTasks)
        {
            Modify(db, row, ClaimedTaskColumns);
        }

        db.Attempts.AddRange(writes.NewAttempts);
        foreach (var row in writes.ChangedAttempts)
        {
            Modify(db, row, AttemptColumns);
        }

        // The run rows are tracked: saved with the context's changes.
        return Task.CompletedTask;
    }

    private static Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<T> Modify<T>(OrchestratorDbContext db, T row, string[] columns)
        where T : class
    {
        var entry = db.Attach(row);
        foreach (var column in columns)
        {
            entry.Property(column).IsModified = true;
        }

        return entry;
    }
}
