using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>
/// <see cref="IRunQueue"/> in memory, writing every change through an <see cref="IRunStore"/>: one process, one lock.
/// The reference behaviour for the database queues, the queue of <c>orchestrator run</c> (one per run, with the
/// run's observer), of tests and of a server without a database. Each active run keeps its own queued tasks and
/// count of running attempts, and retries wait in one heap, so a claim costs what it claims, not the run's size.
/// </summary>
public sealed partial class InMemoryRunQueue(
    IRunStore store, TimeProvider time, Engine.IRunObserver? observer = null, IEnumerable<IRunChangeParticipant>? participants = null)
    : IRunQueue, ITriggerBatchStore
{
    private readonly IRunChangeParticipant[] _participants = participants?.ToArray() ?? [];
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, ActiveRun> _active = [];
    private readonly List<Guid> _queuedRuns = [];
    private readonly PriorityQueue<(Guid Run, int Task), DateTimeOffset> _retries = new();
    private readonly Dictionary<(Guid Run, string Task), (ClaimedTask Claim, AttemptRecord Attempt)> _leases = [];
    private readonly Dictionary<Guid, RunStop> _stopping = [];
    private readonly Dictionary<Guid, (RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks)> _pending = [];
    private readonly Dictionary<(TriggerStream, string, int), SortedList<long, LaunchedRange>> _launched = [];
    private readonly Dictionary<Guid, TaskCompletionSource> _endWaiters = [];
    private static readonly Task<IReadOnlyList<RunRecord>> NoRuns = Task.FromResult<IReadOnlyList<RunRecord>>([]);
    private static readonly Task<DateTimeOffset?> NoRetry = Task.FromResult<DateTimeOffset?>(null);

    /// <summary>Completes when the run, created in this queue, reaches a final state (at once when it already has).</summary>
    public Task RunEndedAsync(Guid runId)
    {
        lock (_gate)
        {
            if (!_active.ContainsKey(runId) && !_pending.ContainsKey(runId))
            {
                return Task.CompletedTask;
            }

            if (!_endWaiters.TryGetValue(runId, out var waiter))
            {
                _endWaiters[runId] = waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return waiter.Task;
        }
    }

    /// <summary>A running run: its progress, its queued tasks in order, and how many of its attempts hold a lease.</summary>
    private sealed class ActiveRun(RunProgress progress, WorkflowPlan plan)
    {
        public RunProgress Progress { get; } = progress;
        public WorkflowPlan Plan { get; } = plan;
        public LinkedList<int> Queued { get; } = new();
        public int Running { get; set; }
    }

    /// <summary>Whether a retry from the heap still waits (its run active, the task up for retry at that time).</summary>
    private bool IsWaitingRetry((Guid Run, int Task) retry, DateTimeOffset due, out ActiveRun active)
        => _active.TryGetValue(retry.Run, out active!)
            && active.Progress.Tasks[retry.Task] is { State: TaskState.UpForRetry, NextAttemptAt: { } next } && next == due;

    private ActiveRun Unlease(ClaimedTask claim)
    {
        _leases.Remove((claim.RunId, claim.TaskId));
        var active = _active[claim.RunId];
        active.Running--;
        return active;
    }

    /// <summary>Ends a run when nothing more can happen: all tasks final, or cancelling with nothing running.</summary>
    private void FinishIfDone(ActiveRun active, DateTimeOffset now)
    {
        var progress = active.Progress;
        var stopping = _stopping.TryGetValue(progress.Run.Id, out var stop) ? stop : (RunStop?)null;
        if (active.Running > 0 || (!progress.Machine.IsFinished && stopping is null))
        {
            return;
        }

        Apply(active, progress.Finish(now, stopping));
        _active.Remove(progress.Run.Id);
        _stopping.Remove(progress.Run.Id);
        Ended(progress.Run.Id);
    }

    private void Ended(Guid runId)
    {
        if (_endWaiters.Remove(runId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Persists and publishes the changes of an active run, and tracks its queued tasks and retries.</summary>
    private void Apply(ActiveRun active, RunChanges changes, IReadOnlyList<AttemptAnomalies>? anomalies = null)
    {
        Save(active.Progress, changes, anomalies);
        foreach (var task in changes.Tasks)
        {
            Track(active, active.Plan.IndexOf[task.TaskId], task);
        }
    }

    private void Track(ActiveRun active, int index, TaskInstanceRecord task)
    {
        switch (task.State)
        {
            case TaskState.Queued:
                active.Queued.AddLast(index);
                break;
            case TaskState.UpForRetry when task.NextAttemptAt is { } due:
                _retries.Enqueue((active.Progress.Run.Id, index), due);
                break;
        }
    }

    private void Save(RunProgress progress, RunChanges changes, IReadOnlyList<AttemptAnomalies>? anomalies = null)
    {
        store.SaveAsync(changes, CancellationToken.None).GetAwaiter().GetResult();
        if (_participants.Length > 0)
        {
            // The store's save cannot roll back, so the change is committed when participants join it.
            var change = new RunChange(progress.Plan, progress.Run, changes, progress.Tasks, anomalies ?? [], time.GetUtcNow());
            var transaction = new CommittedChange();
            foreach (var participant in _participants)
            {
                participant.OnChangeAsync(change, transaction, CancellationToken.None).GetAwaiter().GetResult();
            }

            transaction.Run();
        }

        RunChangeEvents.Publish(observer, progress.Run, changes, time.GetUtcNow());
    }

    /// <summary>A change already saved: what participants defer to the commit runs right after they joined.</summary>
    private sealed class CommittedChange : IRunChangeTransaction
    {
        private readonly List<Action> _actions = [];

        public void OnCommitted(Action action) => _actions.Add(action);

        public void Run() => _actions.ForEach(a => a());
    }
}
