using System.Text.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>What to run: kind, logical date, params and vars of a new run.</summary>
public sealed record RunRequest
{
    public RunKind Kind { get; init; } = RunKind.Manual;

    /// <summary>Defaults to now.</summary>
    public DateTimeOffset? LogicalDate { get; init; }

    public IReadOnlyDictionary<string, JsonElement>? Params { get; init; }

    public IReadOnlyDictionary<string, string>? Vars { get; init; }
}

/// <summary>The end state of a run with its task instances and attempts.</summary>
public sealed record RunResult(RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts);
