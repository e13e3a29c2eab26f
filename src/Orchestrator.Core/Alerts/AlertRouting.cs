using Orchestrator.Core.Model;

namespace Orchestrator.Core.Alerts;

/// <summary>
/// Which channels an event of a workflow notifies: the workflow's own <c>alerts</c> rules plus the server-wide
/// default rules, each channel once.
/// </summary>
public sealed class AlertRouting(IReadOnlyList<AlertRule> defaultRules)
{
    public static AlertRouting None { get; } = new([]);

    public IReadOnlyList<AlertRule> DefaultRules { get; } = defaultRules;

    public IReadOnlyList<string> ChannelsFor(WorkflowDefinition workflow, AlertEvent alertEvent)
        => (workflow.Alerts ?? []).Concat(DefaultRules)
            .Where(rule => rule.On.Contains(alertEvent))
            .SelectMany(rule => rule.Notify)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    public bool Wants(WorkflowDefinition workflow, AlertEvent alertEvent)
        => (workflow.Alerts ?? []).Concat(DefaultRules).Any(rule => rule.On.Contains(alertEvent));
}
