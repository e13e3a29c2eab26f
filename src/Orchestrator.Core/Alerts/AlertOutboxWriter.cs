using Orchestrator.Core.Engine;

namespace Orchestrator.Core.Alerts;

/// <summary>
/// The alert outbox as a participant of an in-memory queue's changes (<c>orchestrator run</c>): the alerts that
/// follow from a change and its attempts' anomalies, found by <see cref="AlertDetector"/> as on a server, are added
/// to <paramref name="outbox"/> (an in-memory queue's change is committed when its participants join it).
/// A process without history has no previous run, so <c>run_recovered</c> is not raised here.
/// </summary>
public sealed class AlertOutboxWriter(AlertRouting routing, IAlertOutbox outbox) : IRunChangeParticipant
{
    public async Task OnChangeAsync(RunChange change, IRunChangeTransaction transaction, CancellationToken cancellationToken)
    {
        var found = AlertDetector.FromChange(routing, change, previousOutcome: null);
        if (found.Count > 0)
        {
            await outbox.AddAsync(found, cancellationToken).ConfigureAwait(false);
        }
    }
}
