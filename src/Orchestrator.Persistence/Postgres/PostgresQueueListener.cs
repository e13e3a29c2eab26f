using Microsoft.Extensions.Logging;
using Npgsql;

namespace Orchestrator.Persistence.Postgres;

/// <summary>
/// Holds one connection that <c>LISTEN</c>s for <see cref="PostgresQueueLocking.Channel"/> and pulses this node's
/// <see cref="Core.Engine.QueueSignal"/> for every notification, so work queued by another node starts here within
/// milliseconds instead of at the next poll. A lost connection is reopened; a wake-up follows each reconnect,
/// since notifications sent meanwhile are gone.
/// </summary>
public sealed partial class PostgresQueueListener(
    NpgsqlDataSource dataSource,
    Core.Engine.QueueSignal signal,
    TimeProvider time,
    ILogger<PostgresQueueListener> logger)
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, _) => signal.Pulse();
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresQueueLocking.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                signal.Pulse();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                LogListenFailed(logger, e);
                await Task.Delay(ReconnectDelay, time, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for queue notifications failed; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
