using System.Threading.Channels;
using Orchestrator.Engine;

namespace Orchestrator.Server.Observability;

/// <summary>
/// Fans run events out to live subscribers (the SSE stream, the UI) and to metrics. Log lines are only sent to
/// subscribers that asked for them. A slow subscriber loses its oldest events rather than slowing the engine.
/// </summary>
public sealed class RunEventHub(OrchestratorMetrics metrics) : IRunObserver
{
    private readonly Lock _gate = new();
    private readonly List<Channel<RunEvent>> _subscribers = [];

    public void OnEvent(RunEvent runEvent)
    {
        metrics.Record(runEvent);
        Channel<RunEvent>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Writer.TryWrite(runEvent);
        }
    }

    /// <summary>Events from now on, until <paramref name="cancellationToken"/>.</summary>
    public async IAsyncEnumerable<RunEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var runEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return runEvent;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
