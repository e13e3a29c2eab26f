using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;

namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>alerts</c>, the outbox: one alert for one channel, and its delivery state and lease.</summary>
internal sealed class AlertEntity
{
    public Guid Id { get; set; }
    public required string Key { get; set; }
    public AlertEvent Event { get; set; }
    public required string Channel { get; set; }
    public required string WorkflowId { get; set; }
    public Guid? RunId { get; set; }
    public string? TaskId { get; set; }
    public int? Attempt { get; set; }
    public DateTimeOffset? LogicalDate { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public string? Error { get; set; }
    public string? Detail { get; set; }
    public AlertState State { get; set; }
    public int Deliveries { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }
    public Guid? GroupId { get; set; }
    public int Occurrences { get; set; }
    public required string ThrottleKey { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
}

/// <summary>A row of <c>alert_deliveries</c>: one attempt to deliver an alert.</summary>
internal sealed class AlertDeliveryEntity
{
    public Guid AlertId { get; set; }
    public int Number { get; set; }
    public required string Node { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset EndedAt { get; set; }
    public bool Sent { get; set; }
    public string? Error { get; set; }
}
