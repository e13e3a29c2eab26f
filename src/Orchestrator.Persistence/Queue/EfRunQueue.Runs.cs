using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>Creating runs (with their trigger batches), starting queued runs within <c>maxActiveRuns</c>, and clearing tasks of a run.</summary>
internal sealed partial class EfRunQueue
{
    public async Task<bool> TryCreateRunAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
        => await CreateAsync(run, tasks, withBatches: false, cancellationToken).ConfigureAwait(false) == BatchRunCreation.Created;

    public Task<BatchRunCreation> TryCreateBatchRunAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
        => CreateAsync(run, tasks, withBatches: true, cancellationToken);

    public async Task<IReadOnlyList<LaunchedRange>> FindLaunchedAsync(
        TriggerStream stream, IReadOnlyList<(string Topic, int Partition, long Offset)> offsets, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<LaunchedRange>();
        foreach (var (topic, partition, offset) in offsets)
        {
            // The last range starting at or before the offset, straight off the key.
            var range = await db.TriggerBatches.AsNoTracking()
                .Where(b => b.WorkflowId == stream.WorkflowId && b.Connection == stream.Connection && b.ConsumerGroup == stream.Group
                            && b.Topic == topic && b.Partition == partition && b.FirstOffset <= offset)
                .OrderByDescending(b => b.FirstOffset)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (range is not null && range.LastOffset >= offset)
            {
                found.Add(RecordMapping.ToRecord(range));
            }
        }

        return found;
    }

    public async Task<bool> HasLaunchedAsync(TriggerStream stream, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.TriggerBatches.AnyAsync(
            b => b.WorkflowId == stream.WorkflowId && b.Connection == stream.Connection && b.ConsumerGroup == stream.Group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a run, and with <paramref name="withBatches"/> the ranges of its trigger batch, in one transaction.</summary>
    private async Task<BatchRunCreation> CreateAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, bool withBatches, CancellationToken cancellationToken)
    {
        var batches = withBatches ? RecordMapping.BatchesOf(run, time.GetUtcNow()).ToList() : [];
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (await LaunchedAsync(db, batches, cancellationToken).ConfigureAwait(false))
            {
                return BatchRunCreation.AlreadyLaunched;
            }

            if (await db.Runs.AnyAsync(r => r.WorkflowId == run.WorkflowId && r.LogicalDate == run.LogicalDate, cancellationToken).ConfigureAwait(false))
            {
                return BatchRunCreation.LogicalDateTaken;
            }

            db.Runs.Add(RecordMapping.ToEntity(run));
            db.TriggerBatches.AddRange(batches);
            var writes = new QueueWrites();
            for (var i = 0; i < tasks.Count; i++)
            {
                writes.NewTasks.Add(RecordMapping.ToEntity(tasks[i], i));
            }

            try
            {
                await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);

                // The run first (its task instances refer to it), then its task instances in one write.
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(db, writes, cancellationToken).ConfigureAwait(false);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException)
            {
                // Another node created the run of this logical date, or of this batch, first: the unique keys are
                // the second guard.
                await using var again = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
                if (await LaunchedAsync(again, batches, cancellationToken).ConfigureAwait(false))
                {
                    return BatchRunCreation.AlreadyLaunched;
                }

                if (await again.Runs.AnyAsync(r => r.WorkflowId == run.WorkflowId && r.LogicalDate == run.LogicalDate, cancellationToken).ConfigureAwait(false))
                {
                    return BatchRunCreation.LogicalDateTaken;
                }

                throw;
            }
        }

        observer?.OnEvent(new RunStateChanged(run.Id, time.GetUtcNow(), run.WorkflowId, run.State, null));
        locking.WakeLocal();
        return BatchRunCreation.Created;
    }

    /// <summary>Whether one of the batch rows' keys (a partition's first offset) is taken.</summary>
    private static async Task<bool> LaunchedAsync(OrchestratorDbContext db, IReadOnlyList<TriggerBatchEntity> batches, CancellationToken cancellationToken)
    {
        foreach (var b in batches)
        {
            if (await db.TriggerBatches.AnyAsync(
                    x => x.WorkflowId == b.WorkflowId && x.Connection == b.Connection && x.ConsumerGroup == b.ConsumerGroup
                         && x.Topic == b.Topic && x.Partition == b.Partition && x.FirstOffset == b.FirstOffset,
                    cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    public async Task<IReadOnlyList<RunRecord>> StartRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var started = new List<(WorkflowPlan Plan, RunProgress Progress, RunChanges Changes, long Revision)>();
        EfRunChangeTransaction participation;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            // The common idle answer costs one query and no transaction (nor, on SQLite, the write lock).
            if (!await db.Runs.AnyAsync(r => r.State == RunState.Queued, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            participation = new EfRunChangeTransaction(db);
            var writes = new QueueWrites();
            // One node starts runs for all: while another holds the lock, this pass leaves it to that node (which
            // announces what it started) instead of queueing every worker pass of the cluster behind it.
            if (!await locking.TryLockAsync(db, QueueLock.StartRuns, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            var queued = await db.Runs.Where(r => r.State == RunState.Queued).OrderBy(r => r.CreatedAt).Take(200)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var workflows = queued.Select(r => r.WorkflowId).Distinct().ToList();
            var running = (await db.Runs.Where(r => r.State == RunState.Running && workflows.Contains(r.WorkflowId))
                    .GroupBy(r => r.WorkflowId).Select(g => new { g.Key, Count = g.Count() })
                    .ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToDictionary(x => x.Key, x => x.Count, StringComparer.Ordinal);

            foreach (var entity in queued)
            {
                if (plans.Find(entity.WorkflowId, entity.WorkflowVersion) is not { } plan)
                {
                    continue;
                }

                var limit = plan.Definition.Concurrency?.MaxActiveRuns ?? plan.Defaults.MaxActiveRuns;
                if (running.GetValueOrDefault(entity.WorkflowId) >= limit)
                {
                    continue;
                }

                running[entity.WorkflowId] = running.GetValueOrDefault(entity.WorkflowId) + 1;

                // Read once per start; later events of the run refresh this progress instead of reading the run again.
                var progress = await LoadAsync(db, plan, entity, cancellationToken).ConfigureAwait(false);
                var changes = progress.Start(now);
                if (progress.Machine.IsFinished)
                {
                    changes = Combine(changes, progress.Finish(now));
                }

                Write(writes, entity, plan, changes, now);
                await JoinAsync(participation, plan, progress, changes, [], now, cancellationToken).ConfigureAwait(false);
                started.Add((plan, progress, changes, entity.Revision));
            }

            if (started.Count > 0)
            {
                await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
            }

            await writer.WriteAsync(db, writes, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (plan, progress, changes, revision) in started)
        {
            Keep(plan, progress, revision);
            RunChangeEvents.Publish(observer, progress.Run, changes, now);
        }

        participation.Committed();
        if (started.Count > 0)
        {
            locking.WakeLocal();
        }

        return started.ConvertAll(s => s.Progress.Run);
    }

    public async Task<bool> ClearAsync(Guid runId, IReadOnlyCollection<string> taskIds, bool downstream, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        RunProgress progress;
        RunChanges changes;
        EfRunChangeTransaction participation;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            participation = new EfRunChangeTransaction(db);
            await locking.LockRunsAsync(db, [runId], cancellationToken).ConfigureAwait(false);
            var entity = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
            if (entity is null || entity.State == RunState.Queued || plans.Find(entity.WorkflowId, entity.WorkflowVersion) is not { } plan)
            {
                return false;
            }

            progress = await LoadAsync(db, plan, entity, cancellationToken).ConfigureAwait(false);
            var wasRunning = entity.State == RunState.Running;
            if (progress.Clear(taskIds, downstream, now) is not { } cleared)
            {
                return false;
            }

            changes = wasRunning ? Combine(cleared, progress.Reevaluate(now)) : cleared;
            entity.CancelRequestedAt = null;
            var writes = new QueueWrites();
            Write(writes, entity, plan, changes, now);
            await JoinAsync(participation, plan, progress, changes, [], now, cancellationToken).ConfigureAwait(false);
            await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(db, writes, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        RunChangeEvents.Publish(observer, progress.Run, changes, now);
        participation.Committed();
        locking.WakeLocal();
        return true;
    }
}
