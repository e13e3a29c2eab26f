using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Engine;
using Orchestrator.Model;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;
using Orchestrator.Storage;

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
    Orchestrator.Alerts.AlertRouting? alerts = null,
    Orchestrator.Alerts.AlertSignal? alertSignal = null) : IRunQueue, ITriggerBatchStore
{
    /// <summary>The workflow version of recent runs (it never changes), so that a claim need not read it each time.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (string WorkflowId, string WorkflowVersion)> _versions = new();

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
            for (var i = 0; i < tasks.Count; i++)
            {
                db.TaskInstances.Add(RecordMapping.ToEntity(tasks[i], i));
            }

            db.TriggerBatches.AddRange(batches);
            try
            {
                await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
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
        var started = new List<(RunRecord Run, RunChanges Changes)>();
        var alertsWritten = false;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            // The common idle answer costs one query and no transaction (nor, on SQLite, the write lock).
            if (!await db.Runs.AnyAsync(r => r.State == RunState.Queued, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await locking.LockAsync(db, QueueLock.StartRuns, cancellationToken).ConfigureAwait(false);
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
                var progress = await LoadAsync(db, plan, entity, cancellationToken).ConfigureAwait(false);
                var changes = progress.Start(now);
                if (progress.Machine.IsFinished)
                {
                    changes = Combine(changes, progress.Finish(now));
                }

                await WriteAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
                alertsWritten |= await AddAlertsAsync(db, plan, progress, changes, [], now, cancellationToken).ConfigureAwait(false);
                started.Add((progress.Run, changes));
            }

            if (started.Count > 0)
            {
                await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (run, changes) in started)
        {
            RunChangeEvents.Publish(observer, run, changes, now);
        }

        if (alertsWritten)
        {
            alertSignal?.Pulse();
        }

        if (started.Count > 0)
        {
            locking.WakeLocal();
        }

        return started.ConvertAll(s => s.Run);
    }

    public async Task<IReadOnlyList<ClaimedTask>> ClaimAsync(ClaimRequest request, IWorkflowPlans plans, CancellationToken cancellationToken)
    {
        var claimed = new List<(ClaimedTask Claim, TaskInstanceRecord Task)>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            var now = request.Now;
            var anyWork = await db.TaskInstances.AnyAsync(
                t => t.State == TaskState.Queued || (t.State == TaskState.UpForRetry && t.NextAttemptAt <= now), cancellationToken).ConfigureAwait(false);
            if (!anyWork)
            {
                return [];
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await locking.LockAsync(db, QueueLock.Claim, cancellationToken).ConfigureAwait(false);

            // Retries that are due go back to the queue (RunStateMachine.RetryDue: up_for_retry -> queued).
            await db.TaskInstances
                .Where(t => t.State == TaskState.UpForRetry && t.NextAttemptAt <= now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.State, TaskState.Queued)
                    .SetProperty(t => t.NextAttemptAt, (DateTimeOffset?)null)
                    .SetProperty(t => t.QueuedAt, now), cancellationToken).ConfigureAwait(false);

            // Oldest first; rows another transaction holds are skipped rather than waited for (PostgreSQL).
            var take = Math.Max(request.Max * 4, 64);
            var rows = await db.TaskInstances.FromSqlRaw(CandidatesSql(locking.CandidateRowLock), take)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var versions = await VersionsAsync(db, rows.Select(t => t.RunId).Distinct(), cancellationToken).ConfigureAwait(false);
            var candidates = rows.ConvertAll(t => new { Task = t, versions[t.RunId].WorkflowId, versions[t.RunId].WorkflowVersion });
            var runIds = candidates.Select(c => c.Task.RunId).Distinct().ToList();
            var running = (await db.TaskInstances.Where(t => runIds.Contains(t.RunId) && t.State == TaskState.Running)
                    .GroupBy(t => t.RunId).Select(g => new { g.Key, Count = g.Count() })
                    .ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToDictionary(x => x.Key, x => x.Count);

            // Pool slots in use, on every node: the pool of a running attempt comes from its version's plan.
            var pools = new PoolUsage(request.Pools);
            if (request.Pools.Count > 0)
            {
                var active = await (
                        from t in db.TaskInstances
                        join r in db.Runs on t.RunId equals r.Id
                        where t.State == TaskState.Running
                        select new { t.TaskId, r.WorkflowId, r.WorkflowVersion })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var a in active)
                {
                    if (plans.Find(a.WorkflowId, a.WorkflowVersion) is { } activePlan && activePlan.IndexOf.TryGetValue(a.TaskId, out var index))
                    {
                        pools.Add(activePlan.Tasks[index]);
                    }
                }
            }

            foreach (var candidate in candidates)
            {
                if (claimed.Count >= request.Max)
                {
                    break;
                }

                var task = candidate.Task;
                var plan = plans.Find(candidate.WorkflowId, candidate.WorkflowVersion);
                var taskPlan = plan is not null && plan.IndexOf.TryGetValue(task.TaskId, out var taskIndex) ? plan.Tasks[taskIndex] : null;
                if (running.GetValueOrDefault(task.RunId) >= (plan?.MaxActiveTasks ?? int.MaxValue)
                    || (taskPlan is not null && !pools.Fits(taskPlan)))
                {
                    continue;
                }

                running[task.RunId] = running.GetValueOrDefault(task.RunId) + 1;
                if (taskPlan is not null)
                {
                    pools.Add(taskPlan);
                }

                // RunStateMachine.AttemptStarted: queued -> running, one more attempt.
                task.State = TaskState.Running;
                task.Attempts++;
                task.StartedAt ??= now;
                task.LeaseOwner = request.Worker;
                task.LeaseExpiresAt = request.LeaseUntil;
                db.Attempts.Add(RecordMapping.ToEntity(new AttemptRecord
                {
                    RunId = task.RunId, TaskId = task.TaskId, Number = task.Attempts, StartedAt = now, QueuedAt = task.QueuedAt, Worker = request.Worker,
                }));
                claimed.Add((new ClaimedTask(task.RunId, candidate.WorkflowId, candidate.WorkflowVersion, task.TaskId, task.Attempts, request.Worker, request.LeaseUntil),
                    RecordMapping.ToRecord(task)));
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (claim, task) in claimed)
        {
            observer?.OnEvent(new TaskStateChanged(claim.RunId, request.Now, task.TaskId, task.State, task.Attempts, null, null, claim.WorkflowId));
        }

        return claimed.ConvertAll(c => c.Claim);
    }

    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
        => EndAttemptsAsync(completions, plans, now, expiring: false, cancellationToken);

    public async Task<IReadOnlyList<ClaimedTask>> RenewLeasesAsync(IReadOnlyCollection<ClaimedTask> tasks, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (tasks.Count == 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var task in tasks)
        {
            await db.TaskInstances
                .Where(t => t.RunId == task.RunId && t.TaskId == task.TaskId && t.LeaseOwner == task.Worker && t.State == TaskState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseExpiresAt, until), cancellationToken).ConfigureAwait(false);
        }

        var runIds = tasks.Select(t => t.RunId).Distinct().ToList();
        var cancelling = await db.Runs.Where(r => runIds.Contains(r.Id) && r.CancelRequestedAt != null)
            .Select(r => r.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return tasks.Where(t => cancelling.Contains(t.RunId)).ToList();
    }

    public async Task<int> ExpireLeasesAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<ClaimedTask> expired;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            expired = await (
                    from t in db.TaskInstances
                    join r in db.Runs on t.RunId equals r.Id
                    where t.State == TaskState.Running && t.LeaseExpiresAt <= now
                    select new ClaimedTask(t.RunId, r.WorkflowId, r.WorkflowVersion, t.TaskId, t.Attempts, t.LeaseOwner ?? "", t.LeaseExpiresAt!.Value))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }

        if (expired.Count == 0)
        {
            return 0;
        }

        var completions = expired.ConvertAll(claim => new AttemptCompletion(claim, new AttemptResult(AttemptOutcome.LeaseExpired, now, now,
            Error: $"lease of worker {claim.Worker} expired at {Templates.TemplateScope.Iso(claim.LeaseExpiresAt)}")));
        var recorded = await EndAttemptsAsync(completions, plans, now, expiring: true, cancellationToken).ConfigureAwait(false);
        return recorded.Count(r => r);
    }

    public async Task<bool> ClearAsync(Guid runId, IReadOnlyCollection<string> taskIds, bool downstream, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        RunRecord run;
        RunChanges changes;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await locking.LockRunsAsync(db, [runId], cancellationToken).ConfigureAwait(false);
            var entity = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
            if (entity is null || entity.State == RunState.Queued || plans.Find(entity.WorkflowId, entity.WorkflowVersion) is not { } plan)
            {
                return false;
            }

            var progress = await LoadAsync(db, plan, entity, cancellationToken).ConfigureAwait(false);
            var wasRunning = entity.State == RunState.Running;
            if (progress.Clear(taskIds, downstream, now) is not { } cleared)
            {
                return false;
            }

            changes = wasRunning ? Combine(cleared, progress.Reevaluate(now)) : cleared;
            entity.CancelRequestedAt = null;
            await WriteAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
            run = progress.Run;
            await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        RunChangeEvents.Publish(observer, run, changes, now);
        locking.WakeLocal();
        return true;
    }

    public async Task<DateTimeOffset?> NextRetryAtAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var next = await db.TaskInstances.Where(t => t.State == TaskState.UpForRetry)
            .OrderBy(t => t.NextAttemptAt).Select(t => t.NextAttemptAt).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return next;
    }

    public async Task<int> QueueDepthAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.TaskInstances.CountAsync(
            t => t.State == TaskState.Queued || (t.State == TaskState.UpForRetry && t.NextAttemptAt <= now), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, JsonElement>> OutputsAsync(Guid runId, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var ids = taskIds.ToList();
        var rows = await db.TaskInstances.AsNoTracking()
            .Where(t => t.RunId == runId && t.OutputsJson != null && (ids.Count == 0 || ids.Contains(t.TaskId)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(RecordMapping.ToRecord).ToDictionary(t => t.TaskId, t => t.Outputs!.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Records the ends of attempts whose leases still hold, and what follows, in one transaction: the runs are
    /// locked together, their rows read in three queries and written once for all of their completions.
    /// </summary>
    private async Task<IReadOnlyList<bool>> EndAttemptsAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, bool expiring, CancellationToken cancellationToken)
    {
        var results = new bool[completions.Count];
        var published = new List<(RunRecord Run, RunChanges Changes)>();
        var queuedWork = false;
        var alertsWritten = false;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var groups = completions.Select((c, i) => (Completion: c, Index: i)).GroupBy(x => x.Completion.Task.RunId)
                .Select(g => (Items: g, Plan: plans.Find(g.First().Completion.Task.WorkflowId, g.First().Completion.Task.WorkflowVersion)))
                .Where(g => g.Plan is not null).OrderBy(g => g.Items.Key).ToList();
            if (groups.Count == 0)
            {
                return results;
            }

            var runIds = groups.ConvertAll(g => g.Items.Key);
            await locking.LockRunsAsync(db, runIds, cancellationToken).ConfigureAwait(false);
            var runs = await db.Runs.Where(r => runIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken).ConfigureAwait(false);

            // Read without tracking (a run may have thousands of tasks); the rows that change are attached when written.
            var rows = (await db.TaskInstances.AsNoTracking().Where(t => runIds.Contains(t.RunId)).ToListAsync(cancellationToken).ConfigureAwait(false))
                .GroupBy(t => t.RunId).ToDictionary(g => g.Key, g => g.ToList());
            var taskIds = completions.Select(c => c.Task.TaskId).Distinct().ToList();
            var attempts = await db.Attempts.AsNoTracking().Where(a => runIds.Contains(a.RunId) && taskIds.Contains(a.TaskId))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var loaded = new LoadedRows(rows.Values.SelectMany(r => r), attempts, taskIds);
            foreach (var (group, found) in groups)
            {
                var plan = found!;
                if (!runs.TryGetValue(group.Key, out var run) || !rows.TryGetValue(group.Key, out var runRows))
                {
                    continue;
                }

                var progress = new RunProgress(plan, RecordMapping.ToRecord(run), runRows.ConvertAll(RecordMapping.ToRecord));
                var stopping = run.CancelRequestedAt is { } requestedAt ? progress.StopOf(requestedAt) : (RunStop?)null;
                RunChanges? changes = null;
                var anomalies = new List<(string TaskId, int Attempt, IReadOnlyList<string> Found)>();
                foreach (var (completion, index) in group)
                {
                    var claim = completion.Task;
                    var held = loaded.Tasks.TryGetValue((claim.RunId, claim.TaskId), out var row) && row.State == TaskState.Running
                        && row.Attempts == claim.Attempt && row.LeaseOwner == claim.Worker && (!expiring || row.LeaseExpiresAt <= now)
                        && progress.Machine.StateOf(plan.IndexOf[claim.TaskId]) == TaskState.Running;
                    if (!held || !loaded.Attempts.TryGetValue((claim.RunId, claim.TaskId, claim.Attempt), out var attempt))
                    {
                        continue;
                    }

                    var change = completion.Released && stopping is null
                        ? progress.ReleaseAttempt(plan.IndexOf[claim.TaskId], RecordMapping.ToRecord(attempt), $"released: worker {claim.Worker} shut down", now)
                        : progress.EndAttempt(plan.IndexOf[claim.TaskId], RecordMapping.ToRecord(attempt), completion.Result, now, stopping);
                    changes = changes is null ? change : Combine(changes, change);
                    results[index] = true;
                    if (completion.Result.Anomalies.Count > 0)
                    {
                        anomalies.Add((claim.TaskId, claim.Attempt, completion.Result.Anomalies));
                    }
                }

                if (changes is null)
                {
                    continue;
                }

                if (!progress.Tasks.Any(t => t.State == TaskState.Running) && (progress.Machine.IsFinished || stopping is not null))
                {
                    changes = Combine(changes, progress.Finish(now, stopping));
                }

                await WriteAsync(db, changes, now, loaded, cancellationToken).ConfigureAwait(false);
                alertsWritten |= await AddAlertsAsync(db, plan, progress, changes, anomalies, now, cancellationToken).ConfigureAwait(false);
                published.Add((progress.Run, changes));
            }

            queuedWork = published.Any(p => p.Changes.Run is not null || p.Changes.Tasks.Any(t => t.State == TaskState.Queued));
            if (queuedWork)
            {
                await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (run, changes) in published)
        {
            RunChangeEvents.Publish(observer, run, changes, now);
        }

        if (queuedWork)
        {
            locking.WakeLocal();
        }

        if (alertsWritten)
        {
            alertSignal?.Pulse();
        }

        return results;
    }

    /// <summary>
    /// The alerts that follow from a run's changes and its attempts' anomalies, added to the transaction that
    /// persists the changes: an alert exists exactly when its cause was committed.
    /// </summary>
    private async Task<bool> AddAlertsAsync(
        OrchestratorDbContext db, WorkflowPlan plan, RunProgress progress, RunChanges changes,
        IReadOnlyList<(string TaskId, int Attempt, IReadOnlyList<string> Found)> anomalies, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (alerts is null)
        {
            return false;
        }

        var run = progress.Run;
        RunState? previous = null;
        if (Orchestrator.Alerts.AlertDetector.NeedsPreviousOutcome(alerts, plan.Definition, changes))
        {
            previous = await db.Runs.AsNoTracking()
                .Where(r => r.WorkflowId == run.WorkflowId && r.Id != run.Id && (r.State == RunState.Succeeded || r.State == RunState.Failed))
                .OrderByDescending(r => r.EndedAt).Select(r => (RunState?)r.State)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }

        var found = Orchestrator.Alerts.AlertDetector.FromChanges(alerts, plan.Definition, run, changes, progress.Tasks, previous, now).ToList();
        foreach (var (taskId, attempt, descriptions) in anomalies)
        {
            found.AddRange(Orchestrator.Alerts.AlertDetector.FromAnomalies(alerts, plan.Definition, run, taskId, attempt, descriptions, now));
        }

        db.Alerts.AddRange(found.Select(Orchestrator.Persistence.Alerts.AlertRows.ToEntity));
        return found.Count > 0;
    }

    /// <summary>Rows already read in this transaction (untracked), by key, so that writing them needs no query.</summary>
    private sealed class LoadedRows(IEnumerable<TaskInstanceEntity> tasks, IEnumerable<AttemptEntity> attempts, IEnumerable<string> attemptsOf)
    {
        /// <summary>Tasks whose attempts (in the loaded runs) are all in <see cref="Attempts"/>.</summary>
        public HashSet<string> AttemptsOf { get; } = attemptsOf.ToHashSet(StringComparer.Ordinal);

        public Dictionary<(Guid, string), TaskInstanceEntity> Tasks { get; } = tasks.ToDictionary(t => (t.RunId, t.TaskId));

        public Dictionary<(Guid, string, int), AttemptEntity> Attempts { get; } = attempts.ToDictionary(a => (a.RunId, a.TaskId, a.Number));
    }

    /// <summary>The workflow and version of each run, from the cache or, for runs not seen yet, from the database.</summary>
    private async Task<Dictionary<Guid, (string WorkflowId, string WorkflowVersion)>> VersionsAsync(
        OrchestratorDbContext db, IEnumerable<Guid> runIds, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<Guid, (string WorkflowId, string WorkflowVersion)>();
        var unknown = new List<Guid>();
        foreach (var id in runIds)
        {
            if (_versions.TryGetValue(id, out var known))
            {
                versions[id] = known;
            }
            else
            {
                unknown.Add(id);
            }
        }

        if (unknown.Count == 0)
        {
            return versions;
        }

        if (_versions.Count > 10_000)
        {
            _versions.Clear();
        }

        foreach (var r in await db.Runs.AsNoTracking().Where(r => unknown.Contains(r.Id))
                     .Select(r => new { r.Id, r.WorkflowId, r.WorkflowVersion }).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            versions[r.Id] = _versions[r.Id] = (r.WorkflowId, r.WorkflowVersion);
        }

        return versions;
    }

    /// <summary>Queued instances of running, not cancelling runs, in claim order; <c>{0}</c> is the row count.</summary>
    private static string CandidatesSql(string rowLock) => $$"""
        SELECT t.* FROM task_instances AS t
        WHERE t.state = 'queued' AND EXISTS (
            SELECT 1 FROM runs AS r WHERE r.id = t.run_id AND r.state = 'running' AND r.cancel_requested_at IS NULL)
        ORDER BY t.queued_at, t.run_id, t.ordinal
        LIMIT {0} {{rowLock}}
        """;

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
