using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Queue;

/// <summary>Stopping runs early: a user's cancellation, and the run timeout enforced by every node's watchdog.</summary>
internal sealed partial class EfRunQueue
{
    public Task<bool> CancelRunAsync(Guid runId, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
        => StopRunAsync(runId, plans, now, overdueOnly: false, cancellationToken);

    public async Task<int> StopOverdueRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<Guid> overdue;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            // Few runs are running at once (maxActiveRuns); the deadline comes from each version's plan.
            var running = await db.Runs.AsNoTracking()
                .Where(r => r.State == RunState.Running && r.CancelRequestedAt == null && r.StartedAt != null)
                .Select(r => new { r.Id, r.WorkflowId, r.WorkflowVersion, r.StartedAt })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            overdue = running
                .Where(r => plans.Find(r.WorkflowId, r.WorkflowVersion)?.Definition.RunTimeout is { } limit && r.StartedAt + limit <= now)
                .Select(r => r.Id).ToList();
        }

        var stopped = 0;
        foreach (var runId in overdue)
        {
            stopped += await StopRunAsync(runId, plans, now, overdueOnly: true, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return stopped;
    }

    /// <summary>
    /// Records a stop request on a run (its workers see it when they renew their leases) and, when nothing of it
    /// runs, ends it now. Whether it is cancelled or timed out follows from the request time and its deadline.
    /// </summary>
    private async Task<bool> StopRunAsync(Guid runId, IWorkflowPlans plans, DateTimeOffset now, bool overdueOnly, CancellationToken cancellationToken)
    {
        RunRecord? run = null;
        RunChanges? changes = null;
        EfRunChangeTransaction participation;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            participation = new EfRunChangeTransaction(db);
            await locking.LockRunToStopAsync(db, runId, cancellationToken).ConfigureAwait(false);
            var entity = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
            if (entity is null || entity.State.IsFinal() || plans.Find(entity.WorkflowId, entity.WorkflowVersion) is not { } plan)
            {
                return false;
            }

            // Read whole: the waiting tasks it cancels and whether any still runs must be exact (claims included).
            var progress = await LoadAsync(db, plan, entity, cancellationToken).ConfigureAwait(false);
            if (overdueOnly && (entity.CancelRequestedAt is not null || !(progress.Deadline <= now)))
            {
                return false;
            }

            // A second request keeps the first one's time, so a cancellation stays one even past the deadline.
            entity.CancelRequestedAt ??= now;
            if (!progress.Tasks.Any(t => t.State == TaskState.Running))
            {
                changes = progress.Finish(now, progress.StopOf(entity.CancelRequestedAt.Value));
                var writes = new QueueWrites();
                Write(writes, entity, plan, changes, now);
                await JoinAsync(participation, plan, progress, changes, [], now, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(db, writes, cancellationToken).ConfigureAwait(false);
            }

            run = progress.Run;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (changes is not null)
        {
            RunChangeEvents.Publish(observer, run, changes, now);
        }

        participation.Committed();
        return true;
    }
}
