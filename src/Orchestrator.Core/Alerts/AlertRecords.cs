using System.Text.Json.Serialization;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Alerts;

/// <summary>Where an alert is in the outbox.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertState>))]
public enum AlertState
{
    /// <summary>Waiting for its first or next delivery attempt.</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    [JsonStringEnumMemberName("sent")] Sent,

    /// <summary>A repeat within the throttle window: counted in the alert of <see cref="AlertRecord.GroupId"/>, not sent itself.</summary>
    [JsonStringEnumMemberName("throttled")] Throttled,

    /// <summary>Given up: the channel cannot take it (not configured, rejected) or it stayed undeliverable too long.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// One alert for one channel, written to the outbox in the transaction of the state change that caused it.
/// <see cref="Key"/> (event × channel) is unique, so an event reaches a channel once however many nodes see it.
/// </summary>
public sealed record AlertRecord
{
    public required Guid Id { get; init; }

    /// <summary>The idempotency key, e.g. <c>task_failed/{run}/{task}/{attempt}/email:data-team</c>.</summary>
    public required string Key { get; init; }

    public required AlertEvent Event { get; init; }

    /// <summary>The channel reference, <c>email:name</c> or <c>slack:name</c>.</summary>
    public required string Channel { get; init; }

    public required string WorkflowId { get; init; }
    public Guid? RunId { get; init; }
    public string? TaskId { get; init; }
    public int? Attempt { get; init; }
    public DateTimeOffset? LogicalDate { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public string? Error { get; init; }

    /// <summary>The anomaly found, or the deadline an SLA missed.</summary>
    public string? Detail { get; init; }

    public AlertState State { get; init; } = AlertState.Pending;

    /// <summary>Delivery attempts so far.</summary>
    public int Deliveries { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public string? LastError { get; init; }

    /// <summary>For a throttled alert, the alert that stands for it.</summary>
    public Guid? GroupId { get; init; }

    /// <summary>How many events this alert stands for: itself plus the repeats folded into it.</summary>
    public int Occurrences { get; init; } = 1;

    /// <summary>Repeats of the same workflow, task, event and channel are throttled together.</summary>
    public string ThrottleKey => $"{WorkflowId}/{TaskId}/{Json.WireNames.Of(Event)}/{Channel}";
}

/// <summary>One delivery attempt of an alert.</summary>
public sealed record AlertDeliveryRecord(Guid AlertId, int Number, string Node, DateTimeOffset StartedAt, DateTimeOffset EndedAt, bool Sent, string? Error);

/// <summary>An alert with its delivery attempts and the repeats throttled into it.</summary>
public sealed record AlertDetails(AlertRecord Alert, IReadOnlyList<AlertDeliveryRecord> Deliveries, IReadOnlyList<AlertRecord> Throttled);

/// <summary>Filter for listing alerts; null fields match everything.</summary>
public sealed record AlertFilter(string? WorkflowId = null, Guid? RunId = null, AlertEvent? Event = null, AlertState? State = null, string? Channel = null);

/// <summary>
/// What a dispatcher asks for: up to <see cref="Max"/> due alerts, leased to <see cref="Node"/> until
/// <see cref="LeaseUntil"/>. Due alerts with a sent or pending alert of the same throttle key that occurred less
/// than <see cref="ThrottleWindow"/> earlier are folded into it instead.
/// </summary>
public sealed record AlertClaim(string Node, int Max, DateTimeOffset Now, DateTimeOffset LeaseUntil, TimeSpan ThrottleWindow);

/// <summary>How a delivery attempt ended: sent, or not with the time of the next try (null: give up).</summary>
public sealed record AlertDeliveryResult(Guid AlertId, string Node, DateTimeOffset StartedAt, DateTimeOffset EndedAt, string? Error, DateTimeOffset? RetryAt)
{
    public bool Sent => Error is null;
}
