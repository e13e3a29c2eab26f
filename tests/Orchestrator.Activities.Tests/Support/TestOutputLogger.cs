using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Orchestrator.Activities.Tests.Support;

/// <summary>Writes log lines into the test's output, so a failing test shows what librdkafka said.</summary>
public sealed class TestOutputLogger<T>(ITestOutputHelper output) : ILogger<T>
{
    private readonly long _created = System.Diagnostics.Stopwatch.GetTimestamp();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{System.Diagnostics.Stopwatch.GetElapsedTime(_created).TotalMilliseconds,7:F0} ms {logLevel}: {formatter(state, exception)}");
        }
        catch (InvalidOperationException)
        {
            // librdkafka's threads may log after the test ended; there is no output to write to any more.
        }
    }
}
