using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Stores;

namespace Orchestrator.Persistence.Queue;

/// <summary>The alerts that join a state change in its transaction (the outbox).</summary>
public sealed partial class EfRunQueue
{
    /// <summary>
    /// The alerts that follow from a run's changes and its attempts' anomalies, added to the transaction that
    /// persists the changes: an alert exists exactly when its cause was committed.
    /// </summary>
    private async Task<bool> AddAlertsAsync(
        OrchestratorDbContext db, WorkflowPlan plan, RunProgress progress, RunChanges changes,
        IReadOnlyList<(string TaskId, int Attempt, IReadOnlyList<string> Found)> anomalies, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (alerts is null)
        {
            return false;
        }

        var run = progress.Run;
        RunState? previous = null;
        if (Orchestrator.Core.Alerts.AlertDetector.NeedsPreviousOutcome(alerts, plan.Definition, changes))
        {
            previous = await db.Runs.AsNoTracking()
                .Where(r => r.WorkflowId == run.WorkflowId && r.Id != run.Id && (r.State == RunState.Succeeded || r.State == RunState.Failed))
                .OrderByDescending(r => r.EndedAt).Select(r => (RunState?)r.State)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }

        var found = Orchestrator.Core.Alerts.AlertDetector.FromChanges(alerts, plan.Definition, run, changes, progress.Tasks, previous, now).ToList();
        foreach (var (taskId, attempt, descriptions) in anomalies)
        {
            found.AddRange(Orchestrator.Core.Alerts.AlertDetector.FromAnomalies(alerts, plan.Definition, run, taskId, attempt, descriptions, now));
        }

        db.Alerts.AddRange(found.Select(Orchestrator.Persistence.Alerts.AlertRows.ToEntity));
        return found.Count > 0;
    }
}
