using Microsoft.Extensions.Logging;
using Orchestrator.Engine;

namespace Orchestrator.Activities;

/// <summary>Everything an activity may use while it runs one attempt.</summary>
public sealed class ActivityContext
{
    public required RunContext Run { get; init; }

    public required string TaskId { get; init; }

    public required int Attempt { get; init; }

    /// <summary>Writes the task's log: every line lands in the attempt's log, nowhere else.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>Cancelled when the attempt times out or the run is cancelled.</summary>
    public required CancellationToken CancellationToken { get; init; }

    public required TimeProvider Time { get; init; }

    public required IServiceProvider Services { get; init; }

    /// <summary>The server's data directory; relative paths resolve inside it.</summary>
    public required DataDirectory Data { get; init; }
}
