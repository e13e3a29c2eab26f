using Microsoft.Extensions.Logging;

namespace Orchestrator.Core.Tests.Support;

/// <summary>One line written to a <see cref="CapturingLogger"/>.</summary>
public sealed record LogLine(LogLevel Level, string Message);

/// <summary>An <see cref="ILogger"/> that keeps every line and lets a test wait for a line to arrive.</summary>
public sealed class CapturingLogger : ILogger
{
    private readonly Lock _lock = new();
    private readonly List<LogLine> _lines = [];
    private readonly List<(string Text, TaskCompletionSource<LogLine> Arrived)> _waiters = [];

    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_lock)
            {
                return _lines.ToArray();
            }
        }
    }

    public IReadOnlyList<string> Messages(LogLevel level) => Lines.Where(l => l.Level == level).Select(l => l.Message).ToArray();

    /// <summary>Completes when a line containing <paramref name="text"/> has been written (or already was).</summary>
    public Task<LogLine> WaitForLineAsync(string text)
    {
        lock (_lock)
        {
            var existing = _lines.FirstOrDefault(l => l.Message.Contains(text, StringComparison.Ordinal));
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var arrived = new TaskCompletionSource<LogLine>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, arrived));
            return arrived.Task;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var line = new LogLine(logLevel, formatter(state, exception));
        List<TaskCompletionSource<LogLine>> completed = [];
        lock (_lock)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Message.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    completed.Add(_waiters[i].Arrived);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var arrived in completed)
        {
            arrived.TrySetResult(line);
        }
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;
}
