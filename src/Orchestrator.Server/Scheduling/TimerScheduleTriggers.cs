using Orchestrator.Core.Engine;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// The triggers of a single node (SQLite) as timers of the <see cref="TimeProvider"/>: nothing to share with other
/// nodes, and nothing to persist, since the scheduler arms them again from the workflows and the runs at start. A time
/// already past fires at once; a fire is one-shot, as the scheduler arms the next interval when it handles it.
/// </summary>
/// <param name="fire">The fire of a workflow's trigger, with the time it was due (<see cref="ScheduleFiring.FireAsync"/>).</param>
/// <param name="stopping">Cancelled when the server stops: no fire starts after it.</param>
public sealed class TimerScheduleTriggers(Func<string, DateTimeOffset, CancellationToken, Task> fire, TimeProvider time, CancellationToken stopping)
    : IScheduleTriggers, IDisposable
{
    /// <summary>The longest a timer waits before it looks again (timers take at most about 49 days).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    /// <summary>The triggers of a server: fires go to its <see cref="ScheduleFiring"/>, which reaches the scheduler that arms them.</summary>
    public static TimerScheduleTriggers For(IServiceProvider services) => new(
        (workflowId, dueAt, cancellationToken) => services.GetRequiredService<ScheduleFiring>().FireAsync(workflowId, dueAt, cancellationToken),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);

    private readonly Dictionary<string, Armed> _armed = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task ArmAsync(string workflowId, DataInterval interval, CancellationToken cancellationToken)
    {
        var armed = new Armed(workflowId, interval.End);
        lock (_lock)
        {
            if (_armed.Remove(workflowId, out var previous))
            {
                previous.Timer?.Dispose();
            }

            _armed[workflowId] = armed;
            armed.Timer = time.CreateTimer(state => OnTimer((Armed)state!), armed, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            // Started once it is recorded: a fake clock runs a due timer inside Change, on this thread.
            armed.Timer.Change(Wait(armed.FireAt), Timeout.InfiniteTimeSpan);
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(string workflowId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_armed.Remove(workflowId, out var armed))
            {
                armed.Timer?.Dispose();
            }
        }

        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> NextFireAsync(string workflowId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_armed.TryGetValue(workflowId, out var armed) ? armed.FireAt : (DateTimeOffset?)null);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var armed in _armed.Values)
            {
                armed.Timer?.Dispose();
            }

            _armed.Clear();
        }
    }

    private void OnTimer(Armed armed)
    {
        lock (_lock)
        {
            if (!_armed.TryGetValue(armed.WorkflowId, out var current) || current != armed)
            {
                return;
            }

            if (time.GetUtcNow() < armed.FireAt)
            {
                // A wait longer than a timer takes, or a clock that was set back: look again later.
                armed.Timer!.Change(Wait(armed.FireAt), Timeout.InfiniteTimeSpan);
                return;
            }

            _armed.Remove(armed.WorkflowId);
            armed.Timer!.Dispose();
        }

        // On the thread pool, not on the thread that moved the clock (a test's fake clock runs timers inline).
        _ = Task.Run(() => FireAsync(armed));
    }

    private async Task FireAsync(Armed armed)
    {
        try
        {
            stopping.ThrowIfCancellationRequested();
            await fire(armed.WorkflowId, armed.FireAt, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server stops; the scheduler arms the trigger again at the next start.
        }
    }

    private TimeSpan Wait(DateTimeOffset fireAt)
    {
        var wait = fireAt - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < LongestWait ? wait : LongestWait;
    }

    private sealed class Armed(string workflowId, DateTimeOffset fireAt)
    {
        public string WorkflowId { get; } = workflowId;

        public DateTimeOffset FireAt { get; } = fireAt;

        public ITimer? Timer { get; set; }
    }
}
