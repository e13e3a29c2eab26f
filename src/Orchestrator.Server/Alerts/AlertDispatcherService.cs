using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Server.Alerts;

/// <summary>The dispatcher's loop on this node: a pass, then sleep until an alert is written here, one falls due, or the poll interval.</summary>
public sealed partial class AlertDispatcherService(
    AlertDispatcher dispatcher, AlertSignal signal, Microsoft.Extensions.Options.IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertDispatcherService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset wakeAt;
            try
            {
                await dispatcher.DispatchAsync(stoppingToken).ConfigureAwait(false);
                wakeAt = await dispatcher.NextWakeAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is away: the outbox keeps the alerts; try again after a poll interval.
                LogPassFailed(logger, e);
                wakeAt = time.GetUtcNow() + options.Value.PollInterval;
            }

            var delay = wakeAt - time.GetUtcNow();
            if (delay <= TimeSpan.Zero)
            {
                continue;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(signal.NextAsync(), Task.Delay(delay, time, wait.Token)).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert dispatch failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
