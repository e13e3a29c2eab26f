using Microsoft.EntityFrameworkCore;
using Orchestrator.Persistence.Entities;
using Orchestrator.Storage;

namespace Orchestrator.Persistence.Stores;

/// <summary>Paused workflows, in the database so every node and every restart agree.</summary>
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
}
