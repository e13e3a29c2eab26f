using Microsoft.EntityFrameworkCore;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Queue;

namespace Orchestrator.Persistence.Alerts;

/// <summary>
/// <see cref="IAlertOutbox"/> in the database. Claims are serialized across nodes (<see cref="QueueLock.Alerts"/>)
/// so that throttling decides once per repeat, and a claimed alert is leased so that only its dispatcher sends it.
/// </summary>
public sealed class EfAlertOutbox(IDbContextFactory<OrchestratorDbContext> contexts, IQueueLocking locking, AlertSignal? signal = null) : IAlertOutbox
{
    public async Task<int> AddAsync(IReadOnlyList<AlertRecord> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
        {
            return 0;
        }

        var added = 0;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await locking.LockAsync(db, QueueLock.Alerts, cancellationToken).ConfigureAwait(false);
            var keys = alerts.Select(a => a.Key).ToList();
            var taken = (await db.Alerts.Where(a => keys.Contains(a.Key)).Select(a => a.Key).ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToHashSet(StringComparer.Ordinal);
            foreach (var alert in alerts.Where(a => taken.Add(a.Key)))
            {
                db.Alerts.Add(AlertRows.ToEntity(alert));
                added++;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException)
            {
                // Another node added the same alerts between our read and our write: the unique key kept one.
                if (await AllTakenAsync(keys, cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                throw;
            }
        }

        if (added > 0)
        {
            signal?.Pulse();
        }

        return added;
    }

    private async Task<bool> AllTakenAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Alerts.CountAsync(a => keys.Contains(a.Key), cancellationToken).ConfigureAwait(false) == keys.Distinct().Count();
    }

    public async Task<IReadOnlyList<AlertRecord>> ClaimAsync(AlertClaim claim, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var now = claim.Now;

        // The common idle answer costs one query and no transaction.
        if (!await db.Alerts.AnyAsync(Due(now), cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await locking.LockAsync(db, QueueLock.Alerts, cancellationToken).ConfigureAwait(false);
        var due = await db.Alerts.Where(Due(now)).OrderBy(a => a.OccurredAt).ThenBy(a => a.Id).Take(Math.Max(claim.Max * 4, 64))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var claimed = new List<AlertEntity>();
        foreach (var alert in due)
        {
            if (claimed.Count >= claim.Max)
            {
                break;
            }

            // A first delivery attempt may fold into an earlier alert of the same workflow, task, event and channel.
            if (alert.Deliveries == 0 && claim.ThrottleWindow > TimeSpan.Zero
                && await LeaderAsync(db, alert, claim.ThrottleWindow, cancellationToken).ConfigureAwait(false) is { } leader)
            {
                alert.State = AlertState.Throttled;
                alert.GroupId = leader.Id;
                alert.NextAttemptAt = null;
                leader.Occurrences++;
                continue;
            }

            if (alert.Deliveries == 0 && claim.ThrottleWindow > TimeSpan.Zero)
            {
                await AnnounceThrottledAsync(db, alert, cancellationToken).ConfigureAwait(false);
            }

            alert.LeaseOwner = claim.Node;
            alert.LeaseExpiresAt = claim.LeaseUntil;
            alert.Deliveries++;
            claimed.Add(alert);
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed.ConvertAll(AlertRows.ToRecord);
    }

    /// <summary>Pending and due, and not leased to a dispatcher (or its lease expired: its node died mid-delivery).</summary>
    private static System.Linq.Expressions.Expression<Func<AlertEntity, bool>> Due(DateTimeOffset now)
        => a => a.State == AlertState.Pending && a.NextAttemptAt <= now && (a.LeaseExpiresAt == null || a.LeaseExpiresAt <= now);

    /// <summary>The alert a repeat folds into: the latest earlier one of its throttle key, sent or on its way, within the window.</summary>
    private static async Task<AlertEntity?> LeaderAsync(OrchestratorDbContext db, AlertEntity alert, TimeSpan window, CancellationToken cancellationToken)
    {
        var since = alert.OccurredAt - window;
        System.Linq.Expressions.Expression<Func<AlertEntity, bool>> leads = a =>
            a.ThrottleKey == alert.ThrottleKey && a.Id != alert.Id && a.GroupId == null && a.OccurredAt >= since && a.OccurredAt <= alert.OccurredAt
            && (a.State == AlertState.Sent || (a.State == AlertState.Pending && a.Deliveries > 0));

        // One claimed earlier in this pass is not in the database yet.
        return db.Alerts.Local.AsQueryable().Where(leads).OrderByDescending(a => a.OccurredAt).FirstOrDefault()
            ?? await db.Alerts.Where(leads).OrderByDescending(a => a.OccurredAt).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first message after a throttle window says how many repeats were held back after the previous message
    /// went out (those arrived when nothing was left to fold them into but a message already sent).
    /// </summary>
    private static async Task AnnounceThrottledAsync(OrchestratorDbContext db, AlertEntity alert, CancellationToken cancellationToken)
    {
        var previous = await db.Alerts.AsNoTracking()
            .Where(a => a.ThrottleKey == alert.ThrottleKey && a.Id != alert.Id && a.GroupId == null && a.State == AlertState.Sent && a.OccurredAt <= alert.OccurredAt)
            .OrderByDescending(a => a.OccurredAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (previous?.SentAt is not { } sentAt)
        {
            return;
        }

        var held = await db.Alerts.CountAsync(a => a.GroupId == previous.Id && a.OccurredAt > sentAt, cancellationToken).ConfigureAwait(false);
        if (held > 0)
        {
            var note = $"{held} repeat{(held == 1 ? " was" : "s were")} throttled after the previous message ({Core.Templates.TemplateScope.Iso(sentAt)})";
            alert.Detail = alert.Detail is { Length: > 0 } detail ? $"{detail}\n{note}" : note;
        }
    }

    public async Task<bool> CompleteAsync(AlertDeliveryResult result, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Id == result.AlertId, cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return false;
        }

        var number = await db.AlertDeliveries.Where(d => d.AlertId == alert.Id).MaxAsync(d => (int?)d.Number, cancellationToken).ConfigureAwait(false) ?? 0;
        db.AlertDeliveries.Add(new AlertDeliveryEntity
        {
            AlertId = alert.Id,
            Number = number + 1,
            Node = result.Node,
            StartedAt = result.StartedAt,
            EndedAt = result.EndedAt,
            Sent = result.Sent,
            Error = result.Error,
        });
        var held = alert.LeaseOwner == result.Node && alert.State == AlertState.Pending;
        if (held)
        {
            alert.LeaseOwner = null;
            alert.LeaseExpiresAt = null;
            alert.LastError = result.Error;
            if (result.Sent)
            {
                alert.State = AlertState.Sent;
                alert.SentAt = result.EndedAt;
                alert.NextAttemptAt = null;
            }
            else if (result.RetryAt is { } retryAt)
            {
                alert.NextAttemptAt = retryAt;
            }
            else
            {
                alert.State = AlertState.Failed;
                alert.NextAttemptAt = null;
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return held;
    }

    public async Task<int> PendingCountAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Alerts.CountAsync(a => a.State == AlertState.Pending, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var pending = await db.Alerts.AsNoTracking().Where(a => a.State == AlertState.Pending)
            .Select(a => new { a.NextAttemptAt, a.LeaseExpiresAt })
            .OrderBy(a => a.NextAttemptAt).Take(256).ToListAsync(cancellationToken).ConfigureAwait(false);
        // Due when its next attempt has come and its lease (if a dispatcher holds it) has run out.
        return pending.Count == 0
            ? null
            : pending.Min(a => Later(a.NextAttemptAt ?? DateTimeOffset.MinValue, a.LeaseExpiresAt ?? DateTimeOffset.MinValue));
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    public async Task<IReadOnlyList<AlertRecord>> ListAsync(AlertFilter filter, Page page, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Alerts.AsNoTracking();
        if (filter.WorkflowId is { } workflow)
        {
            query = query.Where(a => a.WorkflowId == workflow);
        }

        if (filter.RunId is { } run)
        {
            query = query.Where(a => a.RunId == run);
        }

        if (filter.Event is { } alertEvent)
        {
            query = query.Where(a => a.Event == alertEvent);
        }

        if (filter.State is { } state)
        {
            query = query.Where(a => a.State == state);
        }

        if (filter.Channel is { } channel)
        {
            query = query.Where(a => a.Channel == channel);
        }

        if (page.After is { } after)
        {
            query = query.Where(a => a.OccurredAt <= after.At && (a.OccurredAt < after.At || a.Id.CompareTo(after.Id) < 0));
        }

        var rows = await query.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id).Skip(page.Skip).Take(page.Take)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.ConvertAll(AlertRows.ToRecord);
    }

    public async Task<AlertDetails?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var alert = await db.Alerts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return null;
        }

        var deliveries = await db.AlertDeliveries.AsNoTracking().Where(d => d.AlertId == id).OrderBy(d => d.Number)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var throttled = await db.Alerts.AsNoTracking().Where(a => a.GroupId == id).OrderBy(a => a.OccurredAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new AlertDetails(AlertRows.ToRecord(alert), deliveries.ConvertAll(AlertRows.ToRecord), throttled.ConvertAll(AlertRows.ToRecord));
    }
}
