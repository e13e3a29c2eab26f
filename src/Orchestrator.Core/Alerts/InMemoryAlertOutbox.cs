using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Alerts;

/// <summary>
/// <see cref="IAlertOutbox"/> in memory, for one process (<c>orchestrator run</c>, tests): the same claims, leases,
/// throttling of repeats and delivery records as the database outbox, behind one lock.
/// </summary>
public sealed class InMemoryAlertOutbox(AlertSignal? signal = null) : IAlertOutbox
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _alerts = [];

    private sealed class Entry(AlertRecord alert)
    {
        public AlertRecord Alert { get; set; } = alert;
        public string? LeaseOwner { get; set; }
        public DateTimeOffset? LeaseExpiresAt { get; set; }
        public List<AlertDeliveryRecord> Deliveries { get; } = [];
    }

    public Task<int> AddAsync(IReadOnlyList<AlertRecord> alerts, CancellationToken cancellationToken)
    {
        var added = 0;
        lock (_gate)
        {
            var taken = _alerts.Select(e => e.Alert.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var alert in alerts.Where(a => taken.Add(a.Key)))
            {
                _alerts.Add(new Entry(alert));
                added++;
            }
        }

        if (added > 0)
        {
            signal?.Pulse();
        }

        return Task.FromResult(added);
    }

    public Task<IReadOnlyList<AlertRecord>> ClaimAsync(AlertClaim claim, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = claim.Now;
            var claimed = new List<AlertRecord>();
            foreach (var entry in _alerts.Where(e => IsDue(e, now)).OrderBy(e => e.Alert.OccurredAt).ThenBy(e => e.Alert.Id).ToList())
            {
                if (claimed.Count >= claim.Max)
                {
                    break;
                }

                var alert = entry.Alert;
                if (alert.Deliveries == 0 && claim.ThrottleWindow > TimeSpan.Zero && Leader(alert, claim.ThrottleWindow) is { } leader)
                {
                    entry.Alert = alert with { State = AlertState.Throttled, GroupId = leader.Alert.Id, NextAttemptAt = null };
                    leader.Alert = leader.Alert with { Occurrences = leader.Alert.Occurrences + 1 };
                    continue;
                }

                entry.LeaseOwner = claim.Node;
                entry.LeaseExpiresAt = claim.LeaseUntil;
                entry.Alert = alert with { Deliveries = alert.Deliveries + 1 };
                claimed.Add(entry.Alert);
            }

            return Task.FromResult<IReadOnlyList<AlertRecord>>(claimed);
        }
    }

    private static bool IsDue(Entry entry, DateTimeOffset now)
        => entry.Alert.State == AlertState.Pending && (entry.Alert.NextAttemptAt ?? entry.Alert.OccurredAt) <= now
            && (entry.LeaseExpiresAt is not { } lease || lease <= now);

    /// <summary>The alert a repeat folds into: the latest earlier one of its throttle key, sent or on its way, within the window.</summary>
    private Entry? Leader(AlertRecord alert, TimeSpan window)
        => _alerts.Where(e => e.Alert.ThrottleKey == alert.ThrottleKey && e.Alert.Id != alert.Id && e.Alert.GroupId is null
                && e.Alert.OccurredAt >= alert.OccurredAt - window && e.Alert.OccurredAt <= alert.OccurredAt
                && (e.Alert.State == AlertState.Sent || (e.Alert.State == AlertState.Pending && e.Alert.Deliveries > 0)))
            .MaxBy(e => e.Alert.OccurredAt);

    public Task<bool> CompleteAsync(AlertDeliveryResult result, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_alerts.Find(e => e.Alert.Id == result.AlertId) is not { } entry)
            {
                return Task.FromResult(false);
            }

            entry.Deliveries.Add(new AlertDeliveryRecord(result.AlertId, entry.Deliveries.Count + 1, result.Node, result.StartedAt, result.EndedAt, result.Sent, result.Error));
            var held = entry.LeaseOwner == result.Node && entry.Alert.State == AlertState.Pending;
            if (held)
            {
                entry.LeaseOwner = null;
                entry.LeaseExpiresAt = null;
                entry.Alert = result switch
                {
                    { Sent: true } => entry.Alert with { State = AlertState.Sent, SentAt = result.EndedAt, NextAttemptAt = null, LastError = null },
                    { RetryAt: { } retryAt } => entry.Alert with { NextAttemptAt = retryAt, LastError = result.Error },
                    _ => entry.Alert with { State = AlertState.Failed, NextAttemptAt = null, LastError = result.Error },
                };
            }

            return Task.FromResult(held);
        }
    }

    public Task<int> PendingCountAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_alerts.Count(e => e.Alert.State == AlertState.Pending));
        }
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var due = _alerts.Where(e => e.Alert.State == AlertState.Pending)
                .Select(e => Later(e.Alert.NextAttemptAt ?? DateTimeOffset.MinValue, e.LeaseExpiresAt ?? DateTimeOffset.MinValue))
                .DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
            return Task.FromResult<DateTimeOffset?>(due == DateTimeOffset.MaxValue ? null : due);
        }
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    public Task<IReadOnlyList<AlertRecord>> ListAsync(AlertFilter filter, Page page, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IEnumerable<AlertRecord> query = _alerts.Select(e => e.Alert)
                .Where(a => (filter.WorkflowId is null || a.WorkflowId == filter.WorkflowId) && (filter.RunId is null || a.RunId == filter.RunId)
                    && (filter.Event is null || a.Event == filter.Event) && (filter.State is null || a.State == filter.State)
                    && (filter.Channel is null || a.Channel == filter.Channel));
            if (page.After is { } after)
            {
                query = query.Where(a => a.OccurredAt < after.At || (a.OccurredAt == after.At && a.Id.CompareTo(after.Id) < 0));
            }

            return Task.FromResult<IReadOnlyList<AlertRecord>>(
                query.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id).Skip(page.Skip).Take(page.Take).ToList());
        }
    }

    public Task<AlertDetails?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_alerts.Find(e => e.Alert.Id == id) is { } entry
                ? new AlertDetails(entry.Alert, entry.Deliveries.ToList(), _alerts.Where(e => e.Alert.GroupId == id).Select(e => e.Alert).OrderBy(a => a.OccurredAt).ToList())
                : null);
        }
    }
}
