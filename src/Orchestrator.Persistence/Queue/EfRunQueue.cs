using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>
/// <see cref="IRunQueue"/> in the database (SQLite or PostgreSQL). Each operation is one transaction; the
/// provider's <see cref="IQueueLocking"/> serializes what must not interleave across nodes (claims, run starts,
/// the events of one run). Task state changes that follow from an event are computed by <see cref="RunProgress"/>
/// from the run's rows, exactly as in the in-process runner.
/// </summary>
public sealed partial class EfRunQueue(
    IDbContextFactory<OrchestratorDbContext> contexts,
    IQueueLocking locking,
    TimeProvider time,
    IRunObserver? observer = null,
    Orchestrator.Core.Alerts.AlertRouting? alerts = null,
    Orchestrator.Core.Alerts.AlertSignal? alertSignal = null) : IRunQueue, ITriggerBatchStore
{
    /// <summary>The workflow version of recent runs (it never changes), so that a claim need not read it each time.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (string WorkflowId, string WorkflowVersion)> _versions = new();

    private static async Task<RunProgress> LoadAsync(OrchestratorDbContext db, WorkflowPlan plan, RunEntity run, CancellationToken cancellationToken)
    {
        var tasks = await db.TaskInstances.AsNoTracking().Where(t => t.RunId == run.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new RunProgress(plan, RecordMapping.ToRecord(run), tasks.ConvertAll(RecordMapping.ToRecord));
    }

    private static Task WriteAsync(OrchestratorDbContext db, RunChanges changes, DateTimeOffset now, CancellationToken cancellationToken)
        => WriteAsync(db, changes, now, null, cancellationToken);

    /// <summary>
    /// Applies changes to tracked rows: queue bookkeeping (queued time, lease) follows the new states. Rows in
    /// <paramref name="loaded"/> are attached as read; the others are read first.
    /// </summary>
    private static async Task WriteAsync(OrchestratorDbContext db, RunChanges changes, DateTimeOffset now, LoadedRows? loaded, CancellationToken cancellationToken)
    {
        if (changes.Run is { } run)
        {
            var entity = db.Runs.Local.FirstOrDefault(r => r.Id == run.Id)
                ?? await db.Runs.FirstAsync(r => r.Id == run.Id, cancellationToken).ConfigureAwait(false);
            var cancelRequested = entity.CancelRequestedAt;
            db.Entry(entity).CurrentValues.SetValues(RecordMapping.ToEntity(run));
            entity.CancelRequestedAt = run.State.IsFinal() ? cancelRequested : entity.CancelRequestedAt;
        }

        foreach (var group in changes.Tasks.GroupBy(t => t.RunId))
        {
            var ids = group.Select(t => t.TaskId).Where(id => loaded?.Tasks.ContainsKey((group.Key, id)) != true).Distinct().ToList();
            var rows = ids.Count == 0
                ? []
                : await db.TaskInstances.Where(t => t.RunId == group.Key && ids.Contains(t.TaskId))
                    .ToDictionaryAsync(t => t.TaskId, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
            foreach (var task in group)
            {
                var row = loaded?.Tasks.GetValueOrDefault((group.Key, task.TaskId)) ?? rows[task.TaskId];
                Track(db, row);
                var wasQueued = row.State == TaskState.Queued;
                var ordinal = row.Ordinal;
                db.Entry(row).CurrentValues.SetValues(RecordMapping.ToEntity(task, ordinal));
                row.QueuedAt = task.State == TaskState.Queued ? (wasQueued ? row.QueuedAt : now) : null;
                if (task.State != TaskState.Running)
                {
                    row.LeaseOwner = null;
                    row.LeaseExpiresAt = null;
                }
            }
        }

        foreach (var group in changes.Attempts.GroupBy(a => a.RunId))
        {
            var ids = group.Select(a => a.TaskId).Where(id => loaded?.AttemptsOf.Contains(id) != true).Distinct().ToList();
            var rows = ids.Count == 0
                ? []
                : await db.Attempts.Where(a => a.RunId == group.Key && ids.Contains(a.TaskId)).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var attempt in group)
            {
                var row = loaded?.Attempts.GetValueOrDefault((attempt.RunId, attempt.TaskId, attempt.Number))
                    ?? rows.FirstOrDefault(a => a.TaskId == attempt.TaskId && a.Number == attempt.Number);
                if (row is null)
                {
                    row = RecordMapping.ToEntity(attempt);
                    db.Attempts.Add(row);
                    rows.Add(row);
                    loaded?.Attempts.Add((attempt.RunId, attempt.TaskId, attempt.Number), row);
                }
                else
                {
                    Track(db, row);
                    db.Entry(row).CurrentValues.SetValues(RecordMapping.ToEntity(attempt));
                }
            }
        }
    }

    /// <summary>Attaches a row read without tracking, as unchanged, so that only the values set next are written.</summary>
    private static void Track(OrchestratorDbContext db, object row)
    {
        if (db.Entry(row).State == EntityState.Detached)
        {
            db.Attach(row);
        }
    }

    private static RunChanges Combine(RunChanges first, RunChanges second)
        => new(second.Run ?? first.Run, [.. first.Tasks, .. second.Tasks], [.. first.Attempts, .. second.Attempts]);
}
