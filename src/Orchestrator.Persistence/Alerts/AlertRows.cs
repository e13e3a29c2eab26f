using Orchestrator.Core.Alerts;
using Orchestrator.Persistence.Entities;

namespace Orchestrator.Persistence.Alerts;

/// <summary>Converts between alert records and their rows.</summary>
internal static class AlertRows
{
    public static AlertEntity ToEntity(AlertRecord a) => new()
    {
        Id = a.Id,
        Key = a.Key,
        Event = a.Event,
        Channel = a.Channel,
        WorkflowId = a.WorkflowId,
        RunId = a.RunId,
        TaskId = a.TaskId,
        Attempt = a.Attempt,
        LogicalDate = a.LogicalDate,
        OccurredAt = a.OccurredAt,
        Error = a.Error,
        Detail = a.Detail,
        State = a.State,
        Deliveries = a.Deliveries,
        NextAttemptAt = a.NextAttemptAt,
        SentAt = a.SentAt,
        LastError = a.LastError,
        GroupId = a.GroupId,
        Occurrences = a.Occurrences,
        ThrottleKey = a.ThrottleKey,
    };

    public static AlertRecord ToRecord(AlertEntity e) => new()
    {
        Id = e.Id,
        Key = e.Key,
        Event = e.Event,
        Channel = e.Channel,
        WorkflowId = e.WorkflowId,
        RunId = e.RunId,
        TaskId = e.TaskId,
        Attempt = e.Attempt,
        LogicalDate = e.LogicalDate,
        OccurredAt = e.OccurredAt,
        Error = e.Error,
        Detail = e.Detail,
        State = e.State,
        Deliveries = e.Deliveries,
        NextAttemptAt = e.NextAttemptAt,
        SentAt = e.SentAt,
        LastError = e.LastError,
        GroupId = e.GroupId,
        Occurrences = e.Occurrences,
    };

    public static AlertDeliveryRecord ToRecord(AlertDeliveryEntity e) => new(e.AlertId, e.Number, e.Node, e.StartedAt, e.EndedAt, e.Sent, e.Error);
}
