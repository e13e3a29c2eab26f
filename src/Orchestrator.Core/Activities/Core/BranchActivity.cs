using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Core.Activities.Core;

[Activity("core.branch", Description = "Chooses which direct downstream tasks run; the others are skipped. Usually driven by a template over params or upstream outputs.")]
public sealed class BranchActivity : Activity<BranchActivity.Input, BranchActivity.Output>
{
    public sealed record Input
    {
        [Description("Task id(s) to follow: a string (comma-separated ids allowed) or an array of ids. Must be direct downstream tasks.")]
        public required JsonElement Follow { get; init; }
    }

    public sealed record Output : IBranchDecision
    {
        [Description("The downstream task ids followed.")]
        public required IReadOnlyList<string> Follow { get; init; }
    }

    protected override Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        IEnumerable<string> ids = input.Follow.ValueKind switch
        {
            JsonValueKind.String => input.Follow.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            JsonValueKind.Array => input.Follow.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                ? e.GetString()!
                : throw new ActivityFailedException($"follow lists task ids, not {e.ValueKind}")),
            JsonValueKind.Null => [],
            _ => throw new ActivityFailedException($"follow must be a task id or a list of task ids, not {input.Follow.ValueKind}"),
        };
        return Task.FromResult(new Output { Follow = ids.Distinct(StringComparer.Ordinal).ToArray() });
    }
}
