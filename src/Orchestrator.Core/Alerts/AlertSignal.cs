using Orchestrator.Core.Engine;

namespace Orchestrator.Core.Alerts;

/// <summary>Wakes this node's alert dispatcher when a transaction has written alerts, so that they go out at once.</summary>
public sealed class AlertSignal
{
    private readonly QueueSignal _signal = new();

    public void Pulse() => _signal.Pulse();

    public Task NextAsync() => _signal.NextAsync();
}
