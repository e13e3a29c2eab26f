using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Persistence.Queue;

namespace Orchestrator.Persistence.Alerts;

/// <summary>
/// The alert outbox as a participant of run changes: the alerts that follow from a change and its attempts'
/// anomalies are added to the transaction that persists the change, so an alert exists exactly when its cause
/// was committed; this node's dispatcher is woken after the commit.
/// </summary>
public sealed class AlertOutboxParticipant(AlertRouting routing, AlertSignal? signal = null) : IRunChangeParticipant
{
    public async Task OnChangeAsync(RunChange change, IRunChangeTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction is not EfRunChangeTransaction { Db: var db })
        {
            return;
        }

        var (plan, run) = (change.Plan, change.Run);
        RunState? previous = null;
        if (AlertDetector.NeedsPreviousOutcome(routing, plan.Definition, change.Changes))
        {
            previous = await db.Runs.AsNoTracking()
                .Where(r => r.WorkflowId == run.WorkflowId && r.Id != run.Id && (r.State == RunState.Succeeded || r.State == RunState.Failed))
                .OrderByDescending(r => r.EndedAt).Select(r => (RunState?)r.State)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }

        var found = AlertDetector.FromChange(routing, change, previous);
        if (found.Count == 0)
        {
            return;
        }

        db.Alerts.AddRange(found.Select(AlertRows.ToEntity));
        if (signal is not null)
        {
            transaction.OnCommitted(signal.Pulse);
        }
    }
}
