using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>Recording the ends of attempts and what follows from them.</summary>
public sealed partial class InMemoryRunQueue
{
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
}
