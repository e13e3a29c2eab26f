using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>Claiming queued task instances with a lease, renewing and expiring leases, and what a worker reads to start an attempt.</summary>
public sealed partial class InMemoryRunQueue
{
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

            // The worker's attempts that ended and are not recorded yet (ClaimRequest.Ending) hold no slot.
            var ending = new HashSet<(Guid, string)>();
            var endingByRun = new Dictionary<Guid, int>();
            foreach (var end in request.Ending)
            {
                if (_leases.TryGetValue((end.RunId, end.TaskId), out var lease) && lease.Claim.Attempt == end.Attempt && ending.Add((end.RunId, end.TaskId)))
                {
                    endingByRun[end.RunId] = endingByRun.GetValueOrDefault(end.RunId) + 1;
                }
            }

            var pools = request.Pools.Count == 0 ? null : new PoolUsage(request.Pools);
            if (pools is not null)
            {
                foreach (var (claim, _) in _leases.Values)
                {
                    if (_active.TryGetValue(claim.RunId, out var leased) && !ending.Contains((claim.RunId, claim.TaskId)))
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
                var endingHere = endingByRun.GetValueOrDefault(runId);
                while (node is not null && claimed.Count < request.Max && active.Running - endingHere < progress.Machine.MaxActiveTasks)
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

    public Task<QueueGauges> GaugesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var runs = _active.Values.Select(a => a.Progress.Run.State).Concat(_pending.Values.Select(p => p.Run.State))
                .Where(s => !s.IsFinal()).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
            var tasks = _active.Values.SelectMany(a => a.Progress.Tasks).Concat(_pending.Values.SelectMany(p => p.Tasks))
                .Where(t => !t.State.IsFinal()).GroupBy(t => t.State).ToDictionary(g => g.Key, g => g.Count());
            var depth = _active.Values.SelectMany(a => a.Progress.Tasks)
                .Count(t => t.State == TaskState.Queued || (t.State == TaskState.UpForRetry && t.NextAttemptAt <= now));
            return Task.FromResult(new QueueGauges(runs, tasks, depth, OldestQueuedAt: null));
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
}
