using Orchestrator.Core.Alerts;
using Orchestrator.Core.Json;

namespace Orchestrator.Activities.Alerts;

/// <summary>
/// An alert on its way to a channel: the <see cref="AlertRecord"/> the outbox holds, with what only delivery adds —
/// the end of the task's log (read when it goes out) and the link to the run (from the server's public URL).
/// Channels render it with Liquid templates.
/// </summary>
public sealed record OutgoingAlert(AlertRecord Alert)
{
    /// <summary>The event as templates and rules name it: <c>task_failed</c>, <c>run_failed</c>, <c>sla_missed</c>... or <c>test</c>.</summary>
    public string Event { get; init; } = WireNames.Of(Alert.Event);

    /// <summary>The last lines of the task's log (at most <see cref="AlertComposer.LogLines"/> are shown), oldest first.</summary>
    public IReadOnlyList<string> LogTail { get; init; } = [];

    /// <summary>The run page (from the server's public URL); null when none is configured.</summary>
    public string? RunUrl { get; init; }

    /// <summary>
    /// The message that tests a channel (<c>orchestrator alerts test</c>, the API's test endpoint); <paramref name="sentBy"/>
    /// says from where. A test is no event of a workflow: its record is never stored, and templates see the event <c>test</c>.
    /// </summary>
    public static OutgoingAlert Test(string channel, string sentBy, DateTimeOffset now, string? link = null) => new(new AlertRecord
    {
        Id = Guid.CreateVersion7(now),

        // Each test is a message of its own, never taken for a duplicate of the previous one.
        Key = $"test:{channel}:{Guid.NewGuid():N}",
        Event = default,
        Channel = channel,
        WorkflowId = "orchestrator",
        OccurredAt = now,
        Detail = $"A test alert to {channel}, sent by {sentBy}: the channel works.",
    })
    {
        Event = "test",
        RunUrl = link,
    };
}

/// <summary>Sends alerts to configured channels (<c>email:name</c>, <c>slack:name</c>).</summary>
public interface IAlertNotifier
{
    /// <summary>Whether <paramref name="channel"/> names a configured channel of its kind.</summary>
    bool IsConfigured(string channel);

    /// <summary>Renders and sends the alert; throws <see cref="AlertDeliveryException"/> with a reason free of secrets.</summary>
    Task SendAsync(string channel, OutgoingAlert alert, CancellationToken cancellationToken);
}

/// <summary>
/// A delivery that did not happen. <see cref="Transient"/>: worth retrying (server down, timeout, 5xx, 429);
/// otherwise retrying cannot help (channel not configured, webhook gone, recipient rejected).
/// </summary>
public sealed class AlertDeliveryException(string message, bool transient, Exception? innerException = null) : Exception(message, innerException)
{
    public bool Transient { get; } = transient;
}
