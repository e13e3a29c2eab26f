namespace Orchestrator.Core.Engine;

/// <summary>
/// Wakes workers when there is new work (a run created, a task queued, an attempt ended), so they need not poll.
/// Set many times, consumed once: a pulse while nobody waits is kept for the next wait.
/// </summary>
public sealed class QueueSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse()
    {
        lock (_gate)
        {
            _pulse.TrySetResult();
        }
    }

    /// <summary>A task that completes at the next pulse (at once if one happened since the last call).</summary>
    public Task NextAsync()
    {
        lock (_gate)
        {
            if (_pulse.Task.IsCompleted)
            {
                var fired = _pulse.Task;
                _pulse = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return fired;
            }

            return _pulse.Task;
        }
    }
}
