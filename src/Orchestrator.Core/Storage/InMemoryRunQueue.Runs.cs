using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>Creating runs (with their trigger batches), starting queued runs within <c>maxActiveRuns</c>, stopping and clearing them.</summary>
public sealed partial class InMemoryRunQueue
{
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
}
