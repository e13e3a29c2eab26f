using Microsoft.Extensions.Options;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Alerts;

/// <summary>
/// Delivers the outbox: claims due alerts (a lease, so one node sends each), renders each with the facts and the
/// end of the task's log, sends it through its channel and records the attempt. A failed delivery is retried with
/// exponential backoff until it goes through or <see cref="AlertOptions.GiveUpAfter"/> has passed; a channel that
/// cannot take it (not configured, rejected) is given up at once.
/// </summary>
public sealed partial class AlertDispatcher(
    IAlertOutbox outbox,
    IAlertNotifier notifier,
    ITaskLogStore logs,
    IOptions<AlertOptions> options,
    IOptions<OrchestratorOptions> server,
    WorkerSettings worker,
    Observability.OrchestratorMetrics metrics,
    TimeProvider time,
    ILogger<AlertDispatcher> logger)
{
    private readonly AlertOptions _options = options.Value;

    /// <summary>One pass: claims what is due and delivers it; returns the number of delivery attempts made.</summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = await outbox.ClaimAsync(
            new AlertClaim(worker.Name, _options.BatchSize, now, now + _options.LeaseDuration, _options.ThrottleWindow), cancellationToken).ConfigureAwait(false);
        foreach (var alert in claimed)
        {
            await DeliverAsync(alert, cancellationToken).ConfigureAwait(false);
        }

        return claimed.Count;
    }

    /// <summary>When the dispatcher has work next: the next pending alert's due time, at most one poll interval away.</summary>
    public async Task<DateTimeOffset> NextWakeAsync(CancellationToken cancellationToken)
    {
        var poll = time.GetUtcNow() + _options.PollInterval;
        return await outbox.NextDueAsync(cancellationToken).ConfigureAwait(false) is { } due && due < poll ? due : poll;
    }

    private async Task DeliverAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        string? error = null;
        var transient = true;
        try
        {
            var message = await MessageAsync(alert, cancellationToken).ConfigureAwait(false);
            await notifier.SendAsync(alert.Channel, message, cancellationToken).ConfigureAwait(false);
        }
        catch (AlertDeliveryException e)
        {
            error = e.Message;
            transient = e.Transient;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }

        var endedAt = time.GetUtcNow();
        DateTimeOffset? retryAt = null;
        if (error is not null && transient && endedAt - alert.OccurredAt < _options.GiveUpAfter)
        {
            retryAt = endedAt + Backoff(alert.Deliveries);
        }

        var held = await outbox.CompleteAsync(new AlertDeliveryResult(alert.Id, worker.Name, startedAt, endedAt, error, retryAt), CancellationToken.None).ConfigureAwait(false);
        metrics.RecordAlertDelivery(alert.Channel, error is null ? "sent" : retryAt is null ? "failed" : "retry");
        if (error is null)
        {
            LogSent(logger, WireNames.Of(alert.Event), alert.WorkflowId, alert.Channel, alert.Occurrences);
        }
        else if (retryAt is { } next)
        {
            LogRetrying(logger, WireNames.Of(alert.Event), alert.WorkflowId, alert.Channel, alert.Deliveries, error, next);
        }
        else
        {
            LogGaveUp(logger, WireNames.Of(alert.Event), alert.WorkflowId, alert.Channel, alert.Deliveries, error);
        }

        if (!held)
        {
            LogLeaseLost(logger, alert.Id, alert.Channel);
        }
    }

    /// <summary>
    /// Delay after delivery attempt <paramref name="attempts"/>: the retry policy's exponential back-off from
    /// RetryDelay, capped at MaxRetryDelay (RetryDelay × 2^(attempts−1)), without jitter — one alert per event and channel.
    /// </summary>
    public TimeSpan Backoff(int attempts) => RetryPolicy.Exponential(_options.RetryDelay, attempts, _options.MaxRetryDelay);

    private async Task<OutgoingAlert> MessageAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> tail = [];
        if (alert.RunId is { } runId && alert.TaskId is { } taskId)
        {
            var lines = await logs.TailAsync(runId, taskId, alert.Attempt, AlertComposer.LogLines, cancellationToken).ConfigureAwait(false);
            tail = lines.Select(l => l.ToText()).ToList();
        }

        return new OutgoingAlert(alert) { LogTail = tail, RunUrl = RunUrl(server.Value.PublicUrl, alert.RunId) };
    }

    /// <summary>The run page under the server's public URL, or null without one.</summary>
    public static string? RunUrl(string? publicUrl, Guid? runId)
        => publicUrl is { Length: > 0 } && runId is { } id ? $"{publicUrl.TrimEnd('/')}/runs/{id}" : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {Event} of {WorkflowId} sent to {Channel} ({Occurrences} occurrences)")]
    private static partial void LogSent(ILogger logger, string @event, string workflowId, string channel, int occurrences);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Event} of {WorkflowId} to {Channel} failed (attempt {Attempt}): {Error}; next attempt at {RetryAt}")]
    private static partial void LogRetrying(ILogger logger, string @event, string workflowId, string channel, int attempt, string error, DateTimeOffset retryAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {Event} of {WorkflowId} to {Channel} given up after {Attempt} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string @event, string workflowId, string channel, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} to {Channel}: the lease ran out during delivery; another node may deliver it again")]
    private static partial void LogLeaseLost(ILogger logger, Guid alertId, string channel);
}
