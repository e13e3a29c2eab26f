using System.Threading.Channels;
using Orchestrator.Core.Engine;

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

    /// <summary>
    /// Subscribes at once: every event published after this returns is delivered to the subscription's reader,
    /// until it is disposed. Subscribing eagerly lets a client subscribe first, then act, and miss nothing.
    /// </summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    private void Unsubscribe(Channel<RunEvent> channel)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
        }
    }

    /// <summary>One live subscriber's events.</summary>
    public sealed class Subscription(RunEventHub hub, Channel<RunEvent> channel) : IDisposable
    {
        public IAsyncEnumerable<RunEvent> ReadAllAsync(CancellationToken cancellationToken) => channel.Reader.ReadAllAsync(cancellationToken);

        public void Dispose() => hub.Unsubscribe(channel);
    }
}
