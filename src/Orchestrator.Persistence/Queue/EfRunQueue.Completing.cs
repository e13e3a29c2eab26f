using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>Recording the ends of attempts and what follows from them, in one transaction per batch.</summary>
internal sealed partial class EfRunQueue
{
    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
        => EndAttemptsAsync(completions, plans, now, expiring: false, cancellationToken);

    /// <summary>
    /// Records the ends of attempts whose leases still hold, and what follows, in one transaction: the runs are
    /// locked together; the ended tasks and their attempts are read by key, the rest of each run comes from the
    /// progress this node keeps (refreshed with what other nodes wrote since), and only the changed rows are written.
    /// </summary>
    private async Task<IReadOnlyList<bool>> EndAttemptsAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, bool expiring, CancellationToken cancellationToken)
    {
        var results = new bool[completions.Count];
        var published = new List<(RunRecord Run, RunChanges Changes)>();
        var kept = new List<(WorkflowPlan Plan, RunProgress Progress, long Revision)>();
        var queuedWork = false;
        EfRunChangeTransaction participation;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            participation = new EfRunChangeTransaction(db);
            var writes = new QueueWrites();
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

            // The ended tasks and their attempts, by key (a superset when several runs end different tasks).
            var taskIds = completions.Select(c => c.Task.TaskId).Distinct().ToList();
            var numbers = completions.Select(c => c.Task.Attempt).Distinct().ToList();
            var rows = await db.TaskInstances.AsNoTracking().Where(t => runIds.Contains(t.RunId) && taskIds.Contains(t.TaskId))
                .ToDictionaryAsync(t => (t.RunId, t.TaskId), cancellationToken).ConfigureAwait(false);
            var attempts = await db.Attempts.AsNoTracking()
                .Where(a => runIds.Contains(a.RunId) && taskIds.Contains(a.TaskId) && numbers.Contains(a.Number))
                .ToDictionaryAsync(a => (a.RunId, a.TaskId, a.Number), cancellationToken).ConfigureAwait(false);
            foreach (var (group, found) in groups)
            {
                var plan = found!;
                if (!runs.TryGetValue(group.Key, out var run))
                {
                    continue;
                }

                // Stopping cancels the waiting tasks, so it needs every row as it is (claims included).
                var progress = run.CancelRequestedAt is null
                    ? await ProgressAsync(db, plan, run, cancellationToken).ConfigureAwait(false)
                    : await LoadAsync(db, plan, run, cancellationToken).ConfigureAwait(false);
                var stopping = run.CancelRequestedAt is { } requestedAt ? progress.StopOf(requestedAt) : (RunStop?)null;
                progress.Restore(group.Select(x => rows.GetValueOrDefault((group.Key, x.Completion.Task.TaskId))).OfType<Entities.TaskInstanceEntity>()
                    .Select(RecordMapping.ToRecord));
                RunChanges? changes = null;
                var anomalies = new List<AttemptAnomalies>();
                foreach (var (completion, index) in group)
                {
                    var claim = completion.Task;
                    var held = rows.TryGetValue((claim.RunId, claim.TaskId), out var row) && row.State == TaskState.Running
                        && row.Attempts == claim.Attempt && row.LeaseOwner == claim.Worker && (!expiring || row.LeaseExpiresAt <= now)
                        && progress.Machine.StateOf(plan.IndexOf[claim.TaskId]) == TaskState.Running;
                    if (!held || !attempts.TryGetValue((claim.RunId, claim.TaskId, claim.Attempt), out var attempt))
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
                        anomalies.Add(new AttemptAnomalies(claim.TaskId, claim.Attempt, completion.Result.Anomalies));
                    }
                }

                if (changes is null)
                {
                    kept.Add((plan, progress, run.Revision));
                    continue;
                }

                // A finished machine has nothing running; a stopping run (read whole) ends once nothing of it runs.
                if (progress.Machine.IsFinished || (stopping is not null && !progress.Tasks.Any(t => t.State == TaskState.Running)))
                {
                    changes = Combine(changes, progress.Finish(now, stopping));
                }

                Write(writes, run, plan, changes, now, attempts);
                await JoinAsync(participation, plan, progress, changes, anomalies, now, cancellationToken).ConfigureAwait(false);
                published.Add((progress.Run, changes));
                kept.Add((plan, progress, run.Revision));
            }

            queuedWork = published.Any(p => p.Changes.Run is not null || p.Changes.Tasks.Any(t => t.State == TaskState.Queued));
            if (queuedWork)
            {
                await locking.AnnounceAsync(db, cancellationToken).ConfigureAwait(false);
            }

            await writer.WriteAsync(db, writes, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (plan, progress, revision) in kept)
        {
            Keep(plan, progress, revision);
        }

        foreach (var (run, changes) in published)
        {
            RunChangeEvents.Publish(observer, run, changes, now);
        }

        if (queuedWork)
        {
            locking.WakeLocal();
        }

        participation.Committed();
        return results;
    }
}
