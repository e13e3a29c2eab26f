namespace Orchestrator.Activities.Alerts;

/// <summary>
/// What one alert says, whatever the channel: the facts a person on call needs to act (what happened, where, the
/// error, the end of the task's log) and a link to the run. Channels render it with Liquid templates.
/// </summary>
public sealed record AlertMessage
{
    /// <summary>The event, as rules name it: <c>task_failed</c>, <c>run_failed</c>, <c>sla_missed</c>, <c>anomaly</c>...</summary>
    public required string Event { get; init; }

    public required string WorkflowId { get; init; }

    public Guid? RunId { get; init; }

    public string? TaskId { get; init; }

    public int? Attempt { get; init; }

    /// <summary>The run's logical date (its schedule slot), in the subject line.</summary>
    public DateTimeOffset? LogicalDate { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public string? Error { get; init; }

    /// <summary>More about the event: the failed checks of an anomaly, the deadline of a missed SLA.</summary>
    public string? Detail { get; init; }

    /// <summary>The last lines of the task's log (at most 50), oldest first.</summary>
    public IReadOnlyList<string> LogTail { get; init; } = [];

    /// <summary>The run page (from the server's public URL); null when none is configured.</summary>
    public string? RunUrl { get; init; }

    /// <summary>How many occurrences of the same workflow, task and event this message stands for (throttling folds repeats).</summary>
    public int Occurrences { get; init; } = 1;

    /// <summary>The alert's idempotency key (event × channel); e-mail uses it as the Message-ID.</summary>
    public required string Key { get; init; }

    /// <summary>The message that tests a channel (<c>orchestrator alerts test</c>, the API's test endpoint); <paramref name="sentBy"/> says from where.</summary>
    public static AlertMessage Test(string channel, string sentBy, DateTimeOffset now, string? link = null) => new()
    {
        Event = "test",
        WorkflowId = "orchestrator",
        OccurredAt = now,
        Detail = $"A test alert to {channel}, sent by {sentBy}: the channel works.",
        RunUrl = link,

        // Each test is a message of its own, never taken for a duplicate of the previous one.
        Key = $"test:{channel}:{Guid.NewGuid():N}",
    };
}

/// <summary>Sends alerts to configured channels (<c>email:name</c>, <c>slack:name</c>).</summary>
public interface IAlertNotifier
{
    /// <summary>Whether <paramref name="channel"/> names a configured channel of its kind.</summary>
    bool IsConfigured(string channel);

    /// <summary>Renders and sends the message; throws <see cref="AlertDeliveryException"/> with a reason free of secrets.</summary>
    Task SendAsync(string channel, AlertMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// A delivery that did not happen. <see cref="Transient"/>: worth retrying (server down, timeout, 5xx, 429);
/// otherwise retrying cannot help (channel not configured, webhook gone, recipient rejected).
/// </summary>
public sealed class AlertDeliveryException(string message, bool transient, Exception? innerException = null) : Exception(message, innerException)
{
    public bool Transient { get; } = transient;
}
