using Microsoft.Extensions.Logging;
using Orchestrator.Core.Engine;

namespace Orchestrator.Core.Activities;

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

    /// <summary>Receives what the activity found wrong without failing (a <c>warn</c> quality check): each one becomes an <c>anomaly</c> event.</summary>
    public AnomalyReport Anomalies { get; init; } = new();
}

/// <summary>
/// The anomalies an attempt reported. The engine records them with the attempt's end, in the same transaction,
/// so that alert rules on <c>anomaly</c> see each one once.
/// </summary>
public sealed class AnomalyReport
{
    private readonly List<string> _found = [];
    private readonly Lock _lock = new();

    /// <summary>Reports an anomaly, e.g. "quality check not_null(amount): 12 violations".</summary>
    public void Report(string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        lock (_lock)
        {
            _found.Add(description);
        }
    }

    public IReadOnlyList<string> Found
    {
        get
        {
            lock (_lock)
            {
                return [.. _found];
            }
        }
    }
}
