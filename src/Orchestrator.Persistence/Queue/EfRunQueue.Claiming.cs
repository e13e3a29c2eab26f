using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>Claiming queued task instances with a lease, renewing and expiring leases, and what a worker reads to start an attempt.</summary>
internal sealed partial class EfRunQueue
{
    /// <summary>
    /// Claims in a bounded number of statements, whatever the size of the runs and the number of attempts running
    /// elsewhere: due retries are queued; the oldest queued candidates are locked (rows other nodes hold are
    /// skipped); claims of the same runs and pools are serialized (<see cref="IQueueLocking.LockForClaimAsync"/>);
    /// the running attempts of those runs and pools are counted; the claims are written.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedTask>> ClaimAsync(ClaimRequest request, IWorkflowPlans plans, CancellationToken cancellationToken)
    {
        var start = RunStateMachine.StartAttempt;
        var now = request.Now;
        var claimed = new List<(ClaimedTask Claim, TaskInstanceRecord Task, DateTimeOffset? QueuedAt)>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await writer.QueueDueRetriesAsync(db, now, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Oldest first; rows another transaction holds are skipped rather than waited for (PostgreSQL).
            var take = Math.Max(request.Max * 4, 64);
            // Read without tracking: most candidates are not claimed (a run's limit, a pool, fewer free slots), and
            // tracking every one would snapshot and compare them all on save. Claimed rows are attached below.
            var rows = await db.TaskInstances.FromSqlRaw(CandidatesSql(locking.CandidateRowLock), take)
                .AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
            var versions = await VersionsAsync(db, rows.Select(t => t.RunId).Distinct(), cancellationToken).ConfigureAwait(false);
            var candidates = rows.ConvertAll(t =>
            {
                var (workflowId, version) = versions[t.RunId];
                var plan = plans.Find(workflowId, version);
                var taskPlan = plan is not null && plan.IndexOf.TryGetValue(t.TaskId, out var index) ? plan.Tasks[index] : null;
                return (Task: t, WorkflowId: workflowId, Version: version, Plan: plan, TaskPlan: taskPlan);
            });

            var poolNames = candidates.Select(c => c.TaskPlan?.Pool).OfType<string>().Where(request.Pools.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
            var locks = await locking.LockForClaimAsync(db, candidates.Select(c => c.Task.RunId).Distinct().ToList(), poolNames, request.Ending, cancellationToken)
                .ConfigureAwait(false);
            var runIds = locks.Claimable.ToHashSet();
            var running = locks.Running?.ToDictionary() ?? (runIds.Count == 0
                ? []
                : (await db.TaskInstances.Where(t => runIds.Contains(t.RunId) && t.State == TaskState.Running)
                        .GroupBy(t => t.RunId).Select(g => new { g.Key, Count = g.Count() })
                        .ToListAsync(cancellationToken).ConfigureAwait(false))
                    .ToDictionary(x => x.Key, x => x.Count));

            // Pool slots in use on every node, as recorded by the claims of the running attempts.
            var pools = new PoolUsage(request.Pools);
            var inUse = locks.PoolSlots ?? (poolNames.Count == 0
                ? []
                : (await db.TaskInstances.Where(t => t.Pool != null && poolNames.Contains(t.Pool) && t.State == TaskState.Running)
                    .GroupBy(t => t.Pool!).Select(g => new { g.Key, Slots = g.Sum(t => t.PoolSlots) })
                    .ToListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(x => x.Key, x => x.Slots));
            foreach (var (pool, slots) in inUse)
            {
                pools.Add(pool, slots);
            }

            if (locks.Running is null && request.Ending.Count > 0)
            {
                await LeaveOutEndingAsync(db, request.Ending, running, pools, cancellationToken).ConfigureAwait(false);
            }

            var writes = new QueueWrites();
            foreach (var candidate in candidates)
            {
                if (claimed.Count >= request.Max)
                {
                    break;
                }

                var (task, workflowId, version, plan, taskPlan) = candidate;
                if (!runIds.Contains(task.RunId)
                    || running.GetValueOrDefault(task.RunId) >= (plan?.MaxActiveTasks ?? int.MaxValue)
                    || (taskPlan is not null && !pools.Fits(taskPlan)))
                {
                    continue;
                }

                running[task.RunId] = running.GetValueOrDefault(task.RunId) + 1;
                if (taskPlan is not null)
                {
                    pools.Add(taskPlan);
                }

                // RunStateMachine.AttemptStarted: one more attempt, leased to this worker.
                task.State = start.To;
                task.Attempts++;
                task.StartedAt ??= now;
                task.LeaseOwner = request.Worker;
                task.LeaseExpiresAt = request.LeaseUntil;
                task.Pool = taskPlan?.Pool;
                task.PoolSlots = taskPlan?.Pool is null ? 0 : taskPlan.PoolSlots;
                writes.ClaimedTasks.Add(task);
                writes.NewAttempts.Add(RecordMapping.ToEntity(new AttemptRecord
                {
                    RunId = task.RunId, TaskId = task.TaskId, Number = task.Attempts, StartedAt = now, QueuedAt = task.QueuedAt, Worker = request.Worker,
                }));
                claimed.Add((new ClaimedTask(task.RunId, workflowId, version, task.TaskId, task.Attempts, request.Worker, request.LeaseUntil),
                    RecordMapping.ToRecord(task), task.QueuedAt));
            }

            await writer.WriteAsync(db, writes, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (claim, task, queuedAt) in claimed)
        {
            observer?.OnEvent(new TaskStateChanged(claim.RunId, request.Now, task.TaskId, task.State, task.Attempts, null, null, claim.WorkflowId) { QueuedAt = queuedAt });
        }

        return claimed.ConvertAll(c => c.Claim);
    }

    public bool ClaimsBesideCompletions => locking.ClaimsBesideCompletions;

    /// <summary>
    /// Where the provider did not count them with its locks (a single writer: nothing commits meanwhile), takes the
    /// ending attempts still recorded as running out of the counts.
    /// </summary>
    private static async Task LeaveOutEndingAsync(
        OrchestratorDbContext db, IReadOnlyCollection<ClaimedTask> ending, Dictionary<Guid, int> running, PoolUsage pools, CancellationToken cancellationToken)
    {
        var runIds = ending.Select(e => e.RunId).Distinct().ToList();
        var taskIds = ending.Select(e => e.TaskId).Distinct().ToList();
        var keys = ending.Select(e => (e.RunId, e.TaskId, e.Attempt)).ToHashSet();
        var rows = await db.TaskInstances.AsNoTracking()
            .Where(t => runIds.Contains(t.RunId) && taskIds.Contains(t.TaskId) && t.State == TaskState.Running)
            .Select(t => new { t.RunId, t.TaskId, t.Attempts, t.Pool, t.PoolSlots })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var row in rows.Where(r => keys.Contains((r.RunId, r.TaskId, r.Attempts))))
        {
            if (running.TryGetValue(row.RunId, out var count))
            {
                running[row.RunId] = count - 1;
            }

            if (row.Pool is { } pool)
            {
                pools.Add(pool, -row.PoolSlots);
            }
        }
    }

    public async Task<IReadOnlyList<ClaimedTask>> RenewLeasesAsync(IReadOnlyCollection<ClaimedTask> tasks, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (tasks.Count == 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One statement per run and worker (a node holds a few runs' attempts at a time), not one per attempt.
        foreach (var held in tasks.GroupBy(t => (t.RunId, t.Worker)))
        {
            var (runId, worker) = held.Key;
            var taskIds = held.Select(t => t.TaskId).ToList();
            await db.TaskInstances
                .Where(t => t.RunId == runId && taskIds.Contains(t.TaskId) && t.LeaseOwner == worker && t.State == TaskState.Running)
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
            Error: $"lease of worker {claim.Worker} expired at {Core.Templates.TemplateScope.Iso(claim.LeaseExpiresAt)}")));
        var recorded = await EndAttemptsAsync(completions, plans, now, expiring: true, cancellationToken).ConfigureAwait(false);
        return recorded.Count(r => r);
    }

    public async Task<DateTimeOffset?> NextRetryAtAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var next = await db.TaskInstances.Where(t => t.State == TaskState.UpForRetry)
            .OrderBy(t => t.NextAttemptAt).Select(t => t.NextAttemptAt).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return next;
    }

    public async Task<QueueGauges> GaugesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // Each a count over the (state, …) indexes of the states that are not final (QueueGauges.RunStates and
        // TaskStates): the cost does not grow with the history kept.
        var runs = await db.Runs.AsNoTracking().Where(r => r.State == RunState.Queued || r.State == RunState.Running).GroupBy(r => r.State)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var tasks = await db.TaskInstances.AsNoTracking()
            .Where(t => t.State == TaskState.Pending || t.State == TaskState.Queued || t.State == TaskState.Running || t.State == TaskState.UpForRetry)
            .GroupBy(t => t.State)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var depth = await db.TaskInstances.CountAsync(
            t => t.State == TaskState.Queued || (t.State == TaskState.UpForRetry && t.NextAttemptAt <= now), cancellationToken).ConfigureAwait(false);
        var oldest = await db.TaskInstances.AsNoTracking().Where(t => t.State == TaskState.Queued && t.QueuedAt != null)
            .OrderBy(t => t.QueuedAt).Select(t => t.QueuedAt).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return new QueueGauges(runs.ToDictionary(r => r.Key, r => r.Count), tasks.ToDictionary(t => t.Key, t => t.Count), depth, oldest);
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

    /// <summary>
    /// Queued instances of running, not cancelling runs, in claim order; <c>{0}</c> is the row count. The state is a
    /// literal, as in every query of task instances by state: PostgreSQL uses a partial index only where the query's
    /// condition implies the index's when it is planned, which a parameter does not. The run's condition is a correlated scalar subquery, not <c>EXISTS</c>: PostgreSQL turns an
    /// <c>EXISTS</c> into a join that, with a run just started (statistics say it has one queued row), reads every
    /// queued instance of the run and sorts them, so each claim cost time in proportion to the run's size. As a
    /// subquery it is checked per row while the queue index is read in claim order, and the read stops at the limit.
    /// The columns are named, not <c>t.*</c>: a prepared statement whose result shape a migration changes would fail.
    /// </summary>
    private static string CandidatesSql(string rowLock) => $$"""
        SELECT t.run_id, t.task_id, t.ordinal, t.state, t.attempts, t.max_attempts, t.next_attempt_at, t.started_at, t.ended_at,
               t.outputs_json, t.error, t.queued_at, t.lease_owner, t.lease_expires_at, t.pool, t.pool_slots, t.revision
        FROM task_instances AS t
        WHERE t.state = '{{WireNames.Of(TaskState.Queued)}}'
          AND (SELECT r.state = 'running' AND r.cancel_requested_at IS NULL FROM runs AS r WHERE r.id = t.run_id)
        ORDER BY t.queued_at, t.run_id, t.ordinal
        LIMIT {0} {{rowLock}}
        """;
}
