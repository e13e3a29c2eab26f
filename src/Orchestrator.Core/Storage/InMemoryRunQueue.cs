using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>
/// <see cref="IRunQueue"/> in memory, over an <see cref="InMemoryStore"/>: one process, one lock. The reference
/// behaviour for the database queues, and the queue of tests and of a server without a database.
/// </summary>
public sealed class InMemoryRunQueue(InMemoryStore store, TimeProvider time, Engine.IRunObserver? observer = null) : IRunQueue, ITriggerBatchStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RunProgress> _active = [];
    private readonly List<Guid> _queuedRuns = [];
    private readonly LinkedList<(Guid Run, int Task)> _queuedTasks = new();
    private readonly Dictionary<(Guid Run, string Task), (ClaimedTask Claim, AttemptRecord Attempt)> _leases = [];
    private readonly Dictionary<Guid, RunStop> _stopping = [];
    private readonly Dictionary<Guid, (RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks)> _pending = [];
    private readonly Dictionary<(TriggerStream, string, int), SortedList<long, LaunchedRange>> _launched = [];

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
        if (store.ListAsync(new RunFilter(run.WorkflowId), new Page(0, int.MaxValue), cancellationToken).Result.Any(r => r.LogicalDate == run.LogicalDate))
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
            foreach (var runId in _queuedRuns.ToList())
            {
                var (run, tasks) = _pending[runId];
                var plan = plans.Find(run.WorkflowId, run.WorkflowVersion);
                if (plan is null)
                {
                    continue;
                }

                var limit = plan.Definition.Concurrency?.MaxActiveRuns ?? plan.Defaults.MaxActiveRuns;
                if (_active.Values.Count(p => p.Run.WorkflowId == run.WorkflowId) >= limit)
                {
                    continue;
                }

                _queuedRuns.Remove(runId);
                _pending.Remove(runId);
                var progress = new RunProgress(plan, run, tasks);
                _active[runId] = progress;
                Apply(progress, progress.Start(now));
                started.Add(progress.Run);
                FinishIfDone(progress, now);
            }
        }

        return Task.FromResult<IReadOnlyList<RunRecord>>(started);
    }

    public Task<IReadOnlyList<ClaimedTask>> ClaimAsync(ClaimRequest request, IWorkflowPlans plans, CancellationToken cancellationToken)
    {
        var claimed = new List<ClaimedTask>();
        lock (_gate)
        {
            foreach (var progress in _active.Values)
            {
                for (var i = 0; i < progress.Tasks.Count; i++)
                {
                    if (progress.Tasks[i] is { State: TaskState.UpForRetry, NextAttemptAt: { } due } && due <= request.Now)
                    {
                        Apply(progress, progress.RetryDue(i, request.Now));
                    }
                }
            }

            var pools = new PoolUsage(request.Pools);
            foreach (var progress in _active.Values)
            {
                var plan = plans.Find(progress.Run.WorkflowId, progress.Run.WorkflowVersion);
                for (var i = 0; plan is not null && i < progress.Tasks.Count; i++)
                {
                    if (progress.Tasks[i].State == TaskState.Running)
                    {
                        pools.Add(plan.Tasks[i]);
                    }
                }
            }

            var node = _queuedTasks.First;
            while (node is not null && claimed.Count < request.Max)
            {
                var next = node.Next;
                var (runId, task) = node.Value;
                if (_stopping.ContainsKey(runId))
                {
                    // A run being cancelled starts nothing new; its waiting tasks end when its running ones do.
                }
                else if (_active.TryGetValue(runId, out var progress) && progress.Machine.StateOf(task) == TaskState.Queued)
                {
                    var running = progress.Tasks.Count(t => t.State == TaskState.Running);
                    var taskPlan = plans.Find(progress.Run.WorkflowId, progress.Run.WorkflowVersion)?.Tasks[task];
                    if (running < progress.Machine.MaxActiveTasks && (taskPlan is null || pools.Fits(taskPlan)))
                    {
                        if (taskPlan is not null)
                        {
                            pools.Add(taskPlan);
                        }

                        _queuedTasks.Remove(node);
                        var changes = progress.StartAttempt(task, request.Now, out var attempt, request.Worker);
                        Apply(progress, changes);
                        var claim = new ClaimedTask(runId, progress.Run.WorkflowId, progress.Run.WorkflowVersion,
                            attempt.TaskId, attempt.Number, request.Worker, request.LeaseUntil);
                        _leases[(runId, attempt.TaskId)] = (claim, attempt);
                        claimed.Add(claim);
                    }
                }
                else
                {
                    _queuedTasks.Remove(node);
                }

                node = next;
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

        _leases.Remove((task.RunId, task.TaskId));
        var progress = _active[task.RunId];
        var stopping = _stopping.TryGetValue(task.RunId, out var stop) ? stop : (RunStop?)null;
        var index = IndexOf(progress, task.TaskId);
        Apply(progress, released && stopping is null
            ? progress.ReleaseAttempt(index, lease.Attempt, $"released: worker {task.Worker} shut down", now)
            : progress.EndAttempt(index, lease.Attempt, result, now, stopping));
        FinishIfDone(progress, now);
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
                _leases.Remove((claim.RunId, claim.TaskId));
                var progress = _active[claim.RunId];
                var result = new AttemptResult(AttemptOutcome.LeaseExpired, attempt.StartedAt, now,
                    Error: $"lease of worker {claim.Worker} expired at {Templates.TemplateScope.Iso(claim.LeaseExpiresAt)}");
                Apply(progress, progress.EndAttempt(IndexOf(progress, claim.TaskId), attempt, result, now));
                FinishIfDone(progress, now);
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
                Apply(progress, progress.Finish(now, RunStop.Cancelled));
                return Task.FromResult(true);
            }

            if (!_active.TryGetValue(runId, out var active))
            {
                return Task.FromResult(false);
            }

            _stopping.TryAdd(runId, active.StopOf(now));
            FinishIfDone(active, now);
            return Task.FromResult(true);
        }
    }

    public Task<int> StopOverdueRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var overdue = _active.Values.Where(p => p.Deadline <= now && !_stopping.ContainsKey(p.Run.Id)).ToList();
            foreach (var progress in overdue)
            {
                _stopping.Add(progress.Run.Id, RunStop.TimedOut);
                FinishIfDone(progress, now);
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
                if (active.Clear(taskIds, downstream, now) is not { } changes)
                {
                    return Task.FromResult(false);
                }

                Apply(active, changes);
                Apply(active, active.Reevaluate(now));
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

            Apply(progress, cleared);
            _pending[runId] = (progress.Run, progress.Tasks.ToList());
            _queuedRuns.Add(runId);
            return Task.FromResult(true);
        }
    }

    public Task<DateTimeOffset?> NextRetryAtAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_active.Values
                .SelectMany(p => p.Tasks)
                .Where(t => t.State == TaskState.UpForRetry)
                .Min(t => t.NextAttemptAt));
        }
    }

    public Task<int> QueueDepthAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_active.Values.SelectMany(p => p.Tasks)
                .Count(t => t.State == TaskState.Queued || (t.State == TaskState.UpForRetry && t.NextAttemptAt <= now)));
        }
    }

    public Task<IReadOnlyDictionary<string, JsonElement>> OutputsAsync(Guid runId, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        var details = store.GetDetailsAsync(runId, cancellationToken).GetAwaiter().GetResult();
        IReadOnlyDictionary<string, JsonElement> outputs = details?.Tasks
            .Where(t => t.Outputs is not null && (taskIds.Count == 0 || taskIds.Contains(t.TaskId)))
            .ToDictionary(t => t.TaskId, t => t.Outputs!.Value) ?? [];
        return Task.FromResult(outputs);
    }

    /// <summary>Ends a run when nothing more can happen: all tasks final, or cancelling with nothing running.</summary>
    private void FinishIfDone(RunProgress progress, DateTimeOffset now)
    {
        var running = progress.Tasks.Any(t => t.State == TaskState.Running);
        var stopping = _stopping.TryGetValue(progress.Run.Id, out var stop) ? stop : (RunStop?)null;
        if (running || (!progress.Machine.IsFinished && stopping is null))
        {
            return;
        }

        Apply(progress, progress.Finish(now, stopping));
        _active.Remove(progress.Run.Id);
        _stopping.Remove(progress.Run.Id);
    }

    private void Apply(RunProgress progress, RunChanges changes)
    {
        store.SaveAsync(changes, CancellationToken.None).GetAwaiter().GetResult();
        RunChangeEvents.Publish(observer, progress.Run, changes, time.GetUtcNow());
        foreach (var task in changes.Tasks.Where(t => t.State == TaskState.Queued))
        {
            _queuedTasks.AddLast((progress.Run.Id, IndexOf(progress, task.TaskId)));
        }
    }

    private static int IndexOf(RunProgress progress, string taskId)
    {
        for (var i = 0; i < progress.Tasks.Count; i++)
        {
            if (progress.Tasks[i].TaskId == taskId)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"run {progress.Run.Id} has no task '{taskId}'");
    }
}
