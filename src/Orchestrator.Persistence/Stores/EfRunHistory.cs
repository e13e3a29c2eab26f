using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Stores;

/// <summary>
/// The overview read models in the database: the recent runs of every workflow in one query (a window function
/// per workflow, from the (workflow, created) index), the grid in two (its runs, then their task instances).
/// </summary>
public sealed class EfRunHistory(IDbContextFactory<OrchestratorDbContext> contexts) : IRunHistory
{
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<RunSummary>>> RecentRunsAsync(int perWorkflow, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);

        // A window function, which both SQLite and PostgreSQL run and LINQ cannot express for "the first N of each group".
        var rows = await db.Runs
            .FromSql($"""
                SELECT * FROM (
                    SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.workflow_id ORDER BY r.created_at DESC, r.id DESC) AS newest
                    FROM runs AS r) AS ranked
                WHERE ranked.newest <= {perWorkflow}
                """)
            .AsNoTracking()
            .Select(r => new RunSummary(r.Id, r.WorkflowId, r.WorkflowVersion, r.Kind, r.State, r.LogicalDate, r.CreatedAt, r.StartedAt, r.EndedAt))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return rows
            .GroupBy(r => r.WorkflowId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<RunSummary>)g.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).ToList(),
                StringComparer.Ordinal);
    }

    public async Task<RunGrid> GridAsync(string workflowId, int runs, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var newest = await db.Runs.AsNoTracking()
            .Where(r => r.WorkflowId == workflowId)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Take(runs)
            .Select(r => new RunSummary(r.Id, r.WorkflowId, r.WorkflowVersion, r.Kind, r.State, r.LogicalDate, r.CreatedAt, r.StartedAt, r.EndedAt))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var ids = newest.ConvertAll(r => r.Id);
        var cells = await db.TaskInstances.AsNoTracking()
            .Where(t => ids.Contains(t.RunId))
            .OrderBy(t => t.RunId).ThenBy(t => t.Ordinal)
            .Select(t => new TaskCell(t.RunId, t.TaskId, t.State, t.Attempts, t.StartedAt, t.EndedAt))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return new RunGrid(newest, cells);
    }
}
