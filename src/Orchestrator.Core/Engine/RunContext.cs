using System.Text.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>The facts of one run that templates and activities see. Secrets are never in here.</summary>
public sealed record RunContext
{
    public required Guid RunId { get; init; }
    public required string WorkflowId { get; init; }
    public required string WorkflowVersion { get; init; }
    public required RunKind Kind { get; init; }
    public required DateTimeOffset LogicalDate { get; init; }
    public required DateTimeOffset DataIntervalStart { get; init; }
    public required DateTimeOffset DataIntervalEnd { get; init; }
    public required IReadOnlyDictionary<string, JsonElement> Params { get; init; }
    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();

    /// <summary>The batch that started an event run; null for other runs.</summary>
    public RunTrigger? Trigger { get; init; }
}
