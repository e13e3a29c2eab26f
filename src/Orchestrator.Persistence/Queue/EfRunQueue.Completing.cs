using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>Recording the ends of attempts and what follows from them, in one transaction per batch.</summary>
public sealed partial class EfRunQueue
{
    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
        => EndAttemptsAsync(completions, plans, now, expiring: false, cancellationToken);

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

    /// <summary>Rows already read in this transaction (untracked), by key, so that writing them needs no query.</summary>
    private sealed class LoadedRows(IEnumerable<TaskInstanceEntity> tasks, IEnumerable<AttemptEntity> attempts, IEnumerable<string> attemptsOf)
    {
        /// <summary>Tasks whose attempts (in the loaded runs) are all in <see cref="Attempts"/>.</summary>
        public HashSet<string> AttemptsOf { get; } = attemptsOf.ToHashSet(StringComparer.Ordinal);

        public Dictionary<(Guid, string), TaskInstanceEntity> Tasks { get; } = tasks.ToDictionary(t => (t.RunId, t.TaskId));

        public Dictionary<(Guid, string, int), AttemptEntity> Attempts { get; } = attempts.ToDictionary(a => (a.RunId, a.TaskId, a.Number));
    }
}
