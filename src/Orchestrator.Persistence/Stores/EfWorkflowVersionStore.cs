using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Stores;

/// <summary>Workflow versions in the database; saving a (workflow, version) that exists changes nothing, even when another node saves it at the same moment.</summary>
public sealed class EfWorkflowVersionStore(IDbContextFactory<OrchestratorDbContext> contexts) : IWorkflowVersionStore
{
    public async Task SaveAsync(WorkflowVersionRecord version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var exists = await db.WorkflowVersions
            .AnyAsync(v => v.WorkflowId == version.WorkflowId && v.Version == version.Version, cancellationToken)
            .ConfigureAwait(false);
        if (exists)
        {
            return;
        }

        db.WorkflowVersions.Add(RecordMapping.ToEntity(version));
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another node stored the same version between the check and the insert (nodes starting together on
            // one workflows folder): the version is content-addressed, so theirs is this one.
            if (await FindAsync(version.WorkflowId, version.Version, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }

            throw;
        }
    }

    public async Task<WorkflowVersionRecord?> FindAsync(string workflowId, string version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entity = await db.WorkflowVersions.AsNoTracking()
            .FirstOrDefaultAsync(v => v.WorkflowId == workflowId && v.Version == version, cancellationToken)
            .ConfigureAwait(false);
        return entity is null ? null : RecordMapping.ToRecord(entity);
    }

    public async Task<IReadOnlyList<WorkflowVersionRecord>> ListAsync(string workflowId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entities = await db.WorkflowVersions.AsNoTracking()
            .Where(v => v.WorkflowId == workflowId)
            .OrderByDescending(v => v.CreatedAt)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return entities.ConvertAll(RecordMapping.ToRecord);
    }
}
