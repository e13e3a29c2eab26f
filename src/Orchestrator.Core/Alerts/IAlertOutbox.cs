using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Alerts;

/// <summary>
/// The durable queue of alerts. State changes write their alerts in their own transaction (the run queue does);
/// dispatchers on any node claim due alerts with a lease, deliver them and record each attempt.
/// </summary>
public interface IAlertOutbox
{
    /// <summary>Adds alerts whose key is not taken yet (in one transaction); returns how many were added.</summary>
    Task<int> AddAsync(IReadOnlyList<AlertRecord> alerts, CancellationToken cancellationToken);

    /// <summary>Leases due alerts to a dispatcher, folding repeats within the throttle window into the alert they repeat.</summary>
    Task<IReadOnlyList<AlertRecord>> ClaimAsync(AlertClaim claim, CancellationToken cancellationToken);

    /// <summary>Records a delivery attempt; false when the lease was lost meanwhile (the attempt is still recorded).</summary>
    Task<bool> CompleteAsync(AlertDeliveryResult result, CancellationToken cancellationToken);

    /// <summary>When the next pending alert falls due (null: none pending).</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>Alerts waiting for their first or next delivery attempt (a count, for metrics).</summary>
    Task<int> PendingCountAsync(CancellationToken cancellationToken);

    /// <summary>Alerts, newest first.</summary>
    Task<IReadOnlyList<AlertRecord>> ListAsync(AlertFilter filter, Page page, CancellationToken cancellationToken);

    Task<AlertDetails?> FindAsync(Guid id, CancellationToken cancellationToken);
}
