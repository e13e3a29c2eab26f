using Microsoft.EntityFrameworkCore;
using Orchestrator.Storage;

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
        var query = db.TaskLogs.AsNoTracking().Where(l => l.RunId == runId && l.TaskId == taskId && l.Sequence > afterSequence);
        if (attempt is { } number)
        {
            query = query.Where(l => l.Attempt == number);
        }

        var entities = await query
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
        var query = db.TaskLogs.AsNoTracking().Where(l => l.RunId == runId && l.TaskId == taskId);
        if (attempt is { } number)
        {
            query = query.Where(l => l.Attempt == number);
        }

        var entities = await query
            .OrderByDescending(l => l.Attempt).ThenByDescending(l => l.Sequence)
            .Take(count)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        entities.Reverse();
        return entities.ConvertAll(RecordMapping.ToRecord);
    }
}
