using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;

namespace Orchestrator.Persistence.Stores;

/// <summary>Runs, task instances and attempts in the database; every write is one transaction.</summary>
public sealed class EfRunStore(IDbContextFactory<OrchestratorDbContext> contexts) : IRunStore
{
    public async Task CreateAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await db.Runs.AnyAsync(r => r.Id == run.Id, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"run {run.Id} already exists");
        }

        db.Runs.Add(RecordMapping.ToEntity(run));
        for (var i = 0; i < tasks.Count; i++)
        {
            db.TaskInstances.Add(RecordMapping.ToEntity(tasks[i], i));
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveAsync(RunChanges changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (changes.Run is { } run)
        {
            var exists = await db.Runs.AnyAsync(r => r.Id == run.Id, cancellationToken).ConfigureAwait(false);
            var entry = db.Entry(RecordMapping.ToEntity(run));
            entry.State = exists ? EntityState.Modified : EntityState.Added;
            if (exists)
            {
                // Queue bookkeeping is the run queue's; a plain save leaves it alone.
                entry.Property(r => r.CancelRequestedAt).IsModified = false;
            }
        }

        // The last change of a key wins, as in a dictionary.
        foreach (var group in changes.Tasks.GroupBy(t => t.RunId))
        {
            await UpsertTasksAsync(db, group.Key, LastByKey(group, t => t.TaskId), cancellationToken).ConfigureAwait(false);
        }

        foreach (var group in changes.Attempts.GroupBy(a => (a.RunId, a.TaskId)))
        {
            await UpsertAttemptsAsync(db, group.Key.RunId, group.Key.TaskId, LastByKey(group, a => a.Number), cancellationToken).ConfigureAwait(false);
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunRecord?> FindAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entity = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : RecordMapping.ToRecord(entity);
    }

    public async Task<RunDetails?> GetDetailsAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return null;
        }

        var tasks = await db.TaskInstances.AsNoTracking()
            .Where(t => t.RunId == runId)
            .OrderBy(t => t.Ordinal)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var attempts = await db.Attempts.AsNoTracking()
            .Where(a => a.RunId == runId)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);

        // Sorted here, not in SQL, so the order is ordinal whatever the database's collation.
        return new RunDetails(
            RecordMapping.ToRecord(run),
            tasks.ConvertAll(RecordMapping.ToRecord),
            attempts.OrderBy(a => a.TaskId, StringComparer.Ordinal).ThenBy(a => a.Number).Select(RecordMapping.ToRecord).ToList());
    }

    public async Task<IReadOnlyList<RunRecord>> ListAsync(RunFilter filter, Page page, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Runs.AsNoTracking();
        if (filter.WorkflowId is { } workflowId)
        {
            query = query.Where(r => r.WorkflowId == workflowId);
        }

        if (filter.State is { } state)
        {
            query = query.Where(r => r.State == state);
        }

        if (filter.LogicalDate is { } logicalDate)
        {
            query = query.Where(r => r.LogicalDate == logicalDate);
        }

        if (page.After is { } after)
        {
            // Keyset: the rows after the cursor in (created_at, id) order, read off the index that ends in those columns.
            // The bound on created_at alone is what lets PostgreSQL start the index scan at the cursor (it does not
            // turn the OR into a range); the OR then drops the ties already shown.
            query = query.Where(r => r.CreatedAt <= after.At && (r.CreatedAt < after.At || r.Id.CompareTo(after.Id) < 0));
        }

        var entities = await query
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip(page.Skip).Take(page.Take)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return entities.ConvertAll(RecordMapping.ToRecord);
    }

    private static async Task UpsertTasksAsync(OrchestratorDbContext db, Guid runId, IReadOnlyCollection<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
    {
        var ids = tasks.Select(t => t.TaskId).ToList();
        var existing = await db.TaskInstances
            .Where(t => t.RunId == runId && ids.Contains(t.TaskId))
            .Select(t => t.TaskId)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var known = existing.ToHashSet(StringComparer.Ordinal);
        int? nextOrdinal = null;
        foreach (var task in tasks)
        {
            if (known.Contains(task.TaskId))
            {
                // The ordinal is fixed at creation; an update leaves it alone.
                var entry = db.Entry(RecordMapping.ToEntity(task, 0));
                entry.State = EntityState.Modified;
                entry.Property(t => t.Ordinal).IsModified = false;
                entry.Property(t => t.QueuedAt).IsModified = false;
                entry.Property(t => t.LeaseOwner).IsModified = false;
                entry.Property(t => t.LeaseExpiresAt).IsModified = false;
                continue;
            }

            // A task the run was not created with goes after the others.
            nextOrdinal ??= 1 + (await db.TaskInstances.Where(t => t.RunId == runId).MaxAsync(t => (int?)t.Ordinal, cancellationToken).ConfigureAwait(false) ?? -1);
            db.TaskInstances.Add(RecordMapping.ToEntity(task, nextOrdinal.Value));
            nextOrdinal++;
        }
    }

    private static async Task UpsertAttemptsAsync(OrchestratorDbContext db, Guid runId, string taskId, IReadOnlyCollection<AttemptRecord> attempts, CancellationToken cancellationToken)
    {
        var numbers = attempts.Select(a => a.Number).ToList();
        var existing = await db.Attempts
            .Where(a => a.RunId == runId && a.TaskId == taskId && numbers.Contains(a.Number))
            .Select(a => a.Number)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        foreach (var attempt in attempts)
        {
            db.Entry(RecordMapping.ToEntity(attempt)).State = existing.Contains(attempt.Number) ? EntityState.Modified : EntityState.Added;
        }
    }

    private static List<T> LastByKey<T, TKey>(IEnumerable<T> items, Func<T, TKey> key)
        where TKey : notnull
    {
        var last = new Dictionary<TKey, T>();
        foreach (var item in items)
        {
            last[key(item)] = item;
        }

        return [.. last.Values];
    }
}
