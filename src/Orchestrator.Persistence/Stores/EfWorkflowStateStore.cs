using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;

namespace Orchestrator.Persistence.Stores;

/// <summary>Paused workflows and schedule progress, in the database so every node and every restart agree.</summary>
public sealed class EfWorkflowStateStore(IDbContextFactory<OrchestratorDbContext> contexts) : IWorkflowStateStore
{
    public async Task<IReadOnlySet<string>> PausedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var ids = await db.WorkflowStates.AsNoTracking().Where(w => w.Paused).Select(w => w.WorkflowId).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    public async Task SetPausedAsync(string workflowId, bool paused, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var row = await db.WorkflowStates.FirstOrDefaultAsync(w => w.WorkflowId == workflowId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            db.WorkflowStates.Add(new WorkflowStateEntity { WorkflowId = workflowId, Paused = paused });
        }
        else
        {
            row.Paused = paused;
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ScheduleProgress> ScheduleProgressAsync(string workflowId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Two nodes may see a new workflow at once: the row that lands first holds the first-seen instant.
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var row = await db.WorkflowStates.FirstOrDefaultAsync(w => w.WorkflowId == workflowId, cancellationToken).ConfigureAwait(false);
            if (row is { FirstSeenAt: { } seen })
            {
                return new ScheduleProgress(seen, row.ScheduleCursor);
            }

            if (row is null)
            {
                db.WorkflowStates.Add(row = new WorkflowStateEntity { WorkflowId = workflowId });
            }

            row.FirstSeenAt = now;
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return new ScheduleProgress(now, row.ScheduleCursor);
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Another node inserted the row meanwhile: read it.
            }
        }
    }

    public async Task AdvanceScheduleCursorAsync(string workflowId, DateTimeOffset cursor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.WorkflowStates
            .Where(w => w.WorkflowId == workflowId && (w.ScheduleCursor == null || w.ScheduleCursor < cursor))
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.ScheduleCursor, cursor), cancellationToken).ConfigureAwait(false);
    }
}
