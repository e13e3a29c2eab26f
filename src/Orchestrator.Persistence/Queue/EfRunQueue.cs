using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>
/// <see cref="IRunQueue"/> in the database (SQLite or PostgreSQL). Each operation is one transaction; the
/// provider's <see cref="IQueueLocking"/> serializes what must not interleave across nodes (claims, run starts,
/// the events of one run). What an event changes is decided by <see cref="RunProgress"/> — the same code as in
/// memory — and only persisted here: the changed rows by key, with the run's revision, collected in
/// <see cref="QueueWrites"/> and written together by the provider's <see cref="IQueueWriter"/>. Each node keeps the
/// progress of the active runs it has seen and refreshes it from the rows written since its revision, so an
/// event costs the same few statements whatever the size of its run. Side effects (the alert outbox) join the
/// transaction as <see cref="IRunChangeParticipant"/>s.
/// </summary>
internal sealed partial class EfRunQueue(
    IDbContextFactory<OrchestratorDbContext> contexts,
    IQueueLocking locking,
    IQueueWriter writer,
    TimeProvider time,
    IRunObserver? observer = null,
    IEnumerable<IRunChangeParticipant>? participants = null) : IRunQueue, ITriggerBatchStore
{
    /// <summary>Runs whose progress a node keeps at most; past it the kept ones are dropped (and read again when needed).</summary>
    private const int MaxKept = 1_000;

    /// <summary>The workflow version of recent runs (it never changes), so that a claim need not read it each time.</summary>
    private readonly ConcurrentDictionary<Guid, (string WorkflowId, string WorkflowVersion)> _versions = new();

    /// <summary>The progress of running runs, as of a revision of their rows; taken out while an event uses it.</summary>
    private readonly ConcurrentDictionary<Guid, KeptProgress> _kept = new();

    private readonly IRunChangeParticipant[] _participants = participants?.ToArray() ?? [];

    private sealed record KeptProgress(WorkflowPlan Plan, long Revision, RunProgress Progress);

    /// <summary>The whole run, read: when no progress is kept for it, or when exact running/queued states matter (stopping).</summary>
    private async Task<RunProgress> LoadAsync(OrchestratorDbContext db, WorkflowPlan plan, RunEntity run, CancellationToken cancellationToken)
    {
        _kept.TryRemove(run.Id, out _);
        var tasks = await db.TaskInstances.AsNoTracking().Where(t => t.RunId == run.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new RunProgress(plan, RecordMapping.ToRecord(run), tasks.ConvertAll(RecordMapping.ToRecord));
    }

    /// <summary>
    /// The progress of a locked run: the one this node keeps, refreshed with the task rows written since its
    /// revision (by other nodes' events), or the whole run read. Claims do not bump the revision, so a kept
    /// progress may see a claimed task as still queued: callers restore the rows they act on, read by key.
    /// </summary>
    private async Task<RunProgress> ProgressAsync(OrchestratorDbContext db, WorkflowPlan plan, RunEntity run, CancellationToken cancellationToken)
    {
        if (!_kept.TryRemove(run.Id, out var kept) || !ReferenceEquals(kept.Plan, plan) || kept.Revision > run.Revision)
        {
            return await LoadAsync(db, plan, run, cancellationToken).ConfigureAwait(false);
        }

        var changed = kept.Revision == run.Revision
            ? []
            : await db.TaskInstances.AsNoTracking().Where(t => t.RunId == run.Id && t.Revision > kept.Revision)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        kept.Progress.Restore(RecordMapping.ToRecord(run), changed.ConvertAll(RecordMapping.ToRecord));
        return kept.Progress;
    }

    /// <summary>After the commit: keeps a running run's progress as of <paramref name="revision"/>.</summary>
    private void Keep(WorkflowPlan plan, RunProgress progress, long revision)
    {
        var runId = progress.Run.Id;
        if (progress.Run.State != RunState.Running)
        {
            _kept.TryRemove(runId, out _);
            return;
        }

        if (_kept.Count >= MaxKept)
        {
            _kept.Clear();
        }

        var fresh = new KeptProgress(plan, revision, progress);
        _kept.AddOrUpdate(runId, fresh, (_, other) => other.Revision > revision ? other : fresh);
    }

    /// <summary>
    /// Persists what the progress decided for a tracked run row: the run's revision goes up, and each changed task
    /// row is written by key with it (no read); queue bookkeeping (queued time, lease) follows the new states.
    /// Attempts are updated when <paramref name="attempts"/> holds them (rows read in this transaction) or added.
    /// The rows are collected in <paramref name="writes"/>, written together before the transaction commits.
    /// </summary>
    private static void Write(
        QueueWrites writes, RunEntity run, WorkflowPlan plan, RunChanges changes, DateTimeOffset now,
        IReadOnlyDictionary<(Guid, string, int), AttemptEntity>? attempts = null)
    {
        var revision = run.Revision + 1;
        if (changes.Run is { } changed)
        {
            var cancelRequested = run.CancelRequestedAt;
            run.State = changed.State;
            run.StartedAt = changed.StartedAt;
            run.EndedAt = changed.EndedAt;
            run.Error = changed.Error;
            run.CancelRequestedAt = changed.State.IsFinal() ? cancelRequested : null;
        }

        run.Revision = revision;
        writes.ChangedRuns.Add(run);
        var latest = new Dictionary<string, TaskInstanceRecord>(StringComparer.Ordinal);
        foreach (var task in changes.Tasks)
        {
            latest[task.TaskId] = task;
        }

        foreach (var task in latest.Values)
        {
            var row = RecordMapping.ToEntity(task, plan.IndexOf[task.TaskId]);
            row.Revision = revision;
            row.QueuedAt = task.State == TaskState.Queued ? now : null;
            writes.ChangedTasks.Add(row);
        }

        foreach (var attempt in changes.Attempts)
        {
            var row = RecordMapping.ToEntity(attempt);
            (attempts?.ContainsKey((attempt.RunId, attempt.TaskId, attempt.Number)) == true ? writes.ChangedAttempts : writes.NewAttempts).Add(row);
        }
    }

    /// <summary>Lets every participant join the change inside its transaction.</summary>
    private async Task JoinAsync(
        EfRunChangeTransaction transaction, WorkflowPlan plan, RunProgress progress, RunChanges changes,
        IReadOnlyList<AttemptAnomalies> anomalies, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_participants.Length == 0)
        {
            return;
        }

        var change = new RunChange(plan, progress.Run, changes, progress.Tasks, anomalies, now);
        foreach (var participant in _participants)
        {
            await participant.OnChangeAsync(change, transaction, cancellationToken).ConfigureAwait(false);
        }
    }

    private static RunChanges Combine(RunChanges first, RunChanges second)
        => new(second.Run ?? first.Run, [.. first.Tasks, .. second.Tasks], [.. first.Attempts, .. second.Attempts]);
}
