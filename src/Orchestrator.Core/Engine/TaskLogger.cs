using Microsoft.Extensions.Logging;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>
/// The logger an activity writes to: every line becomes a <see cref="TaskLogLine"/> of exactly this attempt,
/// published live to the observer and persisted in batches (and at the end of the attempt).
/// Sequence numbers are (attempt &lt;&lt; 32) | n, so a task's lines sort across attempts.
/// </summary>
internal sealed class TaskLogger(
    Guid runId,
    string taskId,
    int attempt,
    TimeProvider time,
    ITaskLogStore store,
    IRunObserver? observer,
    Func<string, string>? mask = null) : ILogger
{
    private const int BatchSize = 200;
    private readonly Lock _gate = new();
    private readonly List<TaskLogLine> _pending = [];
    private readonly Queue<string> _tail = new();
    private long _sequence;

    public int TailSize { get; init; } = 50;

    /// <summary>The host's logger that also receives every line, masked, inside the attempt's logging scope.</summary>
    public ILogger? Forward { get; init; }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        if (exception is not null)
        {
            message = $"{message} {exception.GetType().Name}: {exception.Message}";
        }

        Write(logLevel, eventId, message, forward: true);
    }

    /// <summary>A line of the engine's own (the attempt's error): in the task's log only, the host logs it itself.</summary>
    public void WriteOwn(LogLevel logLevel, string message) => Write(logLevel, default, message, forward: false);

    private void Write(LogLevel logLevel, EventId eventId, string message, bool forward)
    {
        if (mask is not null)
        {
            message = mask(message);
        }

        TaskLogLine line;
        List<TaskLogLine>? batch = null;
        lock (_gate)
        {
            line = new TaskLogLine(runId, taskId, attempt, ((long)attempt << 32) | ++_sequence, time.GetUtcNow(), logLevel, message);
            _pending.Add(line);
            _tail.Enqueue(message);
            if (_tail.Count > TailSize)
            {
                _tail.Dequeue();
            }

            if (_pending.Count >= BatchSize)
            {
                batch = [.. _pending];
                _pending.Clear();
            }
        }

        observer?.OnEvent(new TaskLogWritten(runId, line.Timestamp, line));
        if (forward && Forward is { } host && host.IsEnabled(logLevel))
        {
            host.Log(logLevel, eventId, message, null, static (m, _) => m);
        }

        if (batch is not null)
        {
            store.AppendAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>The last lines written, for error reports.</summary>
    public IReadOnlyList<string> Tail()
    {
        lock (_gate)
        {
            return [.. _tail];
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<TaskLogLine> batch;
        lock (_gate)
        {
            batch = [.. _pending];
            _pending.Clear();
        }

        if (batch.Count > 0)
        {
            await store.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }
}
