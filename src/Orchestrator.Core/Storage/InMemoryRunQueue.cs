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
public sealed class InMemoryRunQueue(
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

    public Task<bool> TryCreateRunAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(Create(run, tasks, cancellationToken));
        }
    }

    public Task<BatchRunCreation> TryCreateBatchRunAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
    {
        var (stream, ranges) = TriggerBatches.Of(run);
        lock (_gate)
        {
            if (ranges.Any(r => _launched.TryGetValue((stream, r.Topic, r.Partition), out var known) && known.ContainsKey(r.FirstOffset)))
            {
                return Task.FromResult(BatchRunCreation.AlreadyLaunched);
            }

            if (!Create(run, tasks, cancellationToken))
            {
                return Task.FromResult(BatchRunCreation.LogicalDateTaken);
            }

            foreach (var range in ranges)
            {
                var key = (stream, range.Topic, range.Partition);
                if (!_launched.TryGetValue(key, out var known))
                {
                    _launched[key] = known = [];
                }

                known[range.FirstOffset] = range;
            }

            return Task.FromResult(BatchRunCreation.Created);
        }
    }

    public Task<IReadOnlyList<LaunchedRange>> FindLaunchedAsync(TriggerStream stream, IReadOnlyList<(string Topic, int Partition, long Offset)> offsets, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var found = new List<LaunchedRange>();
            foreach (var (topic, partition, offset) in offsets)
            {
                if (_launched.TryGetValue((stream, topic, partition), out var known)
                    && known.Values.LastOrDefault(r => r.FirstOffset <= offset) is { } range && range.LastOffset >= offset)
                {
                    found.Add(range);
                }
            }

            return Task.FromResult<IReadOnlyList<LaunchedRange>>(found);
        }
    }

    public Task<bool> HasLaunchedAsync(TriggerStream stream, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_launched.Any(l => l.Key.Item1 == stream && l.Value.Count > 0));
        }
    }

    private bool Create(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
    {
        if (store.ListAsync(new RunFilter(run.WorkflowId, LogicalDate: run.LogicalDate), new Page(0, 1), cancellationToken).GetAwaiter().GetResult().Count > 0)
        {
            return false;
        }

        store.CreateAsync(run, tasks, cancellationToken).GetAwaiter().GetResult();
        observer?.OnEvent(new RunStateChanged(run.Id, time.GetUtcNow(), run.WorkflowId, run.State, null));
        _pending[run.Id] = (run, tasks);
        _queuedRuns.Add(run.Id);
        return true;
    }

    public Task<IReadOnlyList<RunRecord>> StartRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var started = new List<RunRecord>();
        lock (_gate)
        {
            if (_queuedRuns.Count == 0)
            {
                return NoRuns;
            }

            foreach (var runId in _queuedRuns.ToList())
            {
                var (run, tasks) = _pending[runId];
                var plan = plans.Find(run.WorkflowId, run.WorkflowVersion);
                if (plan is null)
                {
                    continue;
                }

                var limit = plan.Definition.Concurrency?.MaxActiveRuns ?? plan.Defaults.MaxActiveRuns;
                if (_active.Values.Count(a => a.Progress.Run.WorkflowId == run.WorkflowId) >= limit)
                {
                    continue;
                }

                _queuedRuns.Remove(runId);
                _pending.Remove(runId);
                var active = new ActiveRun(new RunProgress(plan, run, tasks), plan);
                _active[runId] = active;
                for (var i = 0; i < active.Progress.Tasks.Count; i++)
                {
                    Track(active, i, active.Progress.Tasks[i]);
                }

                Apply(active, active.Progress.Start(now));
                started.Add(active.Progress.Run);
                FinishIfDone(active, now);
            }
        }

        return Task.FromResult<IReadOnlyList<RunRecord>>(started);
    }

    public Task<IReadOnlyList<ClaimedTask>> ClaimAsync(ClaimRequest request, IWorkflowPlans plans, CancellationToken cancellationToken)
    {
        var claimed = new List<ClaimedTask>();
        lock (_gate)
        {
            while (_retries.TryPeek(out var retry, out var due) && due <= request.Now)
            {
                _retries.Dequeue();
                if (IsWaitingRetry(retry, due, out var retrying))
                {
                    Apply(retrying, retrying.Progress.RetryDue(retry.Task, request.Now));
                }
            }

            var pools = request.Pools.Count == 0 ? null : new PoolUsage(request.Pools);
            if (pools is not null)
            {
                foreach (var (claim, _) in _leases.Values)
                {
                    if (_active.TryGetValue(claim.RunId, out var leased))
                    {
                        pools.Add(leased.Plan.Tasks[leased.Plan.IndexOf[claim.TaskId]]);
                    }
                }
            }

            foreach (var (runId, active) in _active)
            {
                if (claimed.Count >= request.Max)
                {
                    break;
                }

                if (_stopping.ContainsKey(runId))
                {
                    // A run being cancelled starts nothing new; its waiting tasks end when its running ones do.
                    continue;
                }

                var progress = active.Progress;
                var node = active.Queued.First;
                while (node is not null && claimed.Count < request.Max && active.Running < progress.Machine.MaxActiveTasks)
                {
                    var next = node.Next;
                    var task = node.Value;
                    if (progress.Machine.StateOf(task) != TaskState.Queued)
                    {
                        active.Queued.Remove(node);
                    }
                    else if (pools is null || pools.Fits(active.Plan.Tasks[task]))
                    {
                        pools?.Add(active.Plan.Tasks[task]);
                        active.Queued.Remove(node);
                        var changes = progress.StartAttempt(task, request.Now, out var attempt, request.Worker);
                        active.Running++;
                        Apply(active, changes);
                        var claim = new ClaimedTask(runId, progress.Run.WorkflowId, progress.Run.WorkflowVersion,
                            attempt.TaskId, attempt.Number, request.Worker, request.LeaseUntil);
                        _leases[(runId, attempt.TaskId)] = (claim, attempt);
                        claimed.Add(claim);
                    }

                    node = next;
                }
            }
        }

        return Task.FromResult<IReadOnlyList<ClaimedTask>>(claimed);
    }

    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<bool> results = completions.Select(c => Complete(c.Task, c.Result, c.Released, now)).ToList();
            return Task.FromResult(results);
        }
    }

    private bool Complete(ClaimedTask task, AttemptResult result, bool released, DateTimeOffset now)
    {
        if (!_leases.TryGetValue((task.RunId, task.TaskId), out var lease) || lease.Claim.Attempt != task.Attempt || lease.Claim.Worker != task.Worker)
        {
            return false;
        }

        var active = Unlease(lease.Claim);
        var progress = active.Progress;
        var stopping = _stopping.TryGetValue(task.RunId, out var stop) ? stop : (RunStop?)null;
        var index = active.Plan.IndexOf[task.TaskId];
        Apply(active, released && stopping is null
            ? progress.ReleaseAttempt(index, lease.Attempt, $"released: worker {task.Worker} shut down", now)
            : progress.EndAttempt(index, lease.Attempt, result, now, stopping),
            anomalies: result.Anomalies.Count == 0 ? [] : [new AttemptAnomalies(task.TaskId, task.Attempt, result.Anomalies)]);
        FinishIfDone(active, now);
        return true;
    }

    public Task<IReadOnlyList<ClaimedTask>> RenewLeasesAsync(IReadOnlyCollection<ClaimedTask> tasks, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var cancelled = new List<ClaimedTask>();
        lock (_gate)
        {
            foreach (var task in tasks)
            {
                if (_leases.TryGetValue((task.RunId, task.TaskId), out var lease) && lease.Claim.Worker == task.Worker)
                {
                    _leases[(task.RunId, task.TaskId)] = (lease.Claim with { LeaseExpiresAt = until }, lease.Attempt);
                }

                if (_stopping.ContainsKey(task.RunId))
                {
                    cancelled.Add(task);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<ClaimedTask>>(cancelled);
    }

    public Task<int> ExpireLeasesAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var expired = _leases.Values.Where(l => l.Claim.LeaseExpiresAt <= now).ToList();
            foreach (var (claim, attempt) in expired)
            {
                var active = Unlease(claim);
                var result = new AttemptResult(AttemptOutcome.LeaseExpired, attempt.StartedAt, now,
                    Error: $"lease of worker {claim.Worker} expired at {Templates.TemplateScope.Iso(claim.LeaseExpiresAt)}");
                Apply(active, active.Progress.EndAttempt(active.Plan.IndexOf[claim.TaskId], attempt, result, now));
                FinishIfDone(active, now);
            }

            return Task.FromResult(expired.Count);
        }
    }

    public Task<bool> CancelRunAsync(Guid runId, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending.Remove(runId, out var pending))
            {
                _queuedRuns.Remove(runId);
                var progress = new RunProgress(plans.Find(pending.Run.WorkflowId, pending.Run.WorkflowVersion)!, pending.Run, pending.Tasks);
                Save(progress, progress.Finish(now, RunStop.Cancelled));
                Ended(runId);
                return Task.FromResult(true);
            }

            if (!_active.TryGetValue(runId, out var active))
            {
                return Task.FromResult(false);
            }

            _stopping.TryAdd(runId, active.Progress.StopOf(now));
            FinishIfDone(active, now);
            return Task.FromResult(true);
        }
    }

    public Task<int> StopOverdueRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var overdue = _active.Values.Where(a => a.Progress.Deadline <= now && !_stopping.ContainsKey(a.Progress.Run.Id)).ToList();
            foreach (var active in overdue)
            {
                _stopping.Add(active.Progress.Run.Id, RunStop.TimedOut);
                FinishIfDone(active, now);
            }

            return Task.FromResult(overdue.Count);
        }
    }

    public Task<bool> ClearAsync(Guid runId, IReadOnlyCollection<string> taskIds, bool downstream, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(runId, out var active))
            {
                if (active.Progress.Clear(taskIds, downstream, now) is not { } changes)
                {
                    return Task.FromResult(false);
                }

                Apply(active, changes);
                Apply(active, active.Progress.Reevaluate(now));
                return Task.FromResult(true);
            }

            if (_pending.ContainsKey(runId) || store.GetDetailsAsync(runId, cancellationToken).GetAwaiter().GetResult() is not { } details
                || plans.Find(details.Run.WorkflowId, details.Run.WorkflowVersion) is not { } plan)
            {
                return Task.FromResult(false);
            }

            var progress = new RunProgress(plan, details.Run, details.Tasks);
            if (progress.Clear(taskIds, downstream, now) is not { } cleared)
            {
                return Task.FromResult(false);
            }

            Save(progress, cleared);
            _pending[runId] = (progress.Run, progress.Tasks.ToList());
            _queuedRuns.Add(runId);
            return Task.FromResult(true);
        }
    }

    public Task<DateTimeOffset?> NextRetryAtAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            while (_retries.TryPeek(out var retry, out var due))
            {
                if (IsWaitingRetry(retry, due, out _))
                {
                    return Task.FromResult<DateTimeOffset?>(due);
                }

                _retries.Dequeue();
            }

            return NoRetry;
        }
    }

    public Task<int> QueueDepthAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_active.Values.SelectMany(a => a.Progress.Tasks)
                .Count(t => t.State == TaskState.Queued || (t.State == TaskState.UpForRetry && t.NextAttemptAt <= now)));
        }
    }

    public Task<IReadOnlyDictionary<string, JsonElement>> OutputsAsync(Guid runId, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(runId, out var active) && taskIds.Count > 0)
            {
                var outputs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var id in taskIds)
                {
                    if (active.Plan.IndexOf.TryGetValue(id, out var index) && active.Progress.Tasks[index].Outputs is { } output)
                    {
                        outputs[id] = output;
                    }
                }

                return Task.FromResult<IReadOnlyDictionary<string, JsonElement>>(outputs);
            }
        }

        var details = store.GetDetailsAsync(runId, cancellationToken).GetAwaiter().GetResult();
        IReadOnlyDictionary<string, JsonElement> stored = details?.Tasks
            .Where(t => t.Outputs is not null && (taskIds.Count == 0 || taskIds.Contains(t.TaskId)))
            .ToDictionary(t => t.TaskId, t => t.Outputs!.Value) ?? [];
        return Task.FromResult(stored);
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
