using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Stores;

/// <summary>Task logs in the database: one insert batch per append, pages read in (attempt, sequence) order.</summary>
public sealed class EfTaskLogStore(IDbContextFactory<OrchestratorDbContext> contexts) : ITaskLogStore
{
    public async Task AppendAsync(IReadOnlyList<TaskLogLine> lines, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.TaskLogs.AddRange(lines.Select(RecordMapping.ToEntity));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TaskLogLine>> ReadAsync(Guid runId, string taskId, int? attempt, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entities = await LinesOf(db, runId, taskId, attempt).Where(l => l.Sequence > afterSequence)
            .OrderBy(l => l.Attempt).ThenBy(l => l.Sequence)
            .Take(limit)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return entities.ConvertAll(RecordMapping.ToRecord);
    }

    public async Task<IReadOnlyList<TaskLogLine>> TailAsync(Guid runId, string taskId, int? attempt, int count, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entities = await LinesOf(db, runId, taskId, attempt)
            .OrderByDescending(l => l.Attempt).ThenByDescending(l => l.Sequence)
            .Take(count)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        entities.Reverse();
        return entities.ConvertAll(RecordMapping.ToRecord);
    }

    /// <summary>The lines of a task: of one attempt, or of all when <paramref name="attempt"/> is null.</summary>
    private static IQueryable<Entities.TaskLogEntity> LinesOf(OrchestratorDbContext db, Guid runId, string taskId, int? attempt)
    {
        var query = db.TaskLogs.AsNoTracking().Where(l => l.RunId == runId && l.TaskId == taskId);
        return attempt is { } number ? query.Where(l => l.Attempt == number) : query;
    }
}
