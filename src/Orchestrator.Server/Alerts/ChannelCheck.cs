using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Alerts;

/// <summary>
/// Warns when a rule notifies a channel that is not configured (its alerts would only be recorded as failed): at
/// start one line per channel naming its workflows, later once for each workflow and channel that a change adds.
/// </summary>
public sealed partial class ChannelCheck(WorkflowCatalog catalog, AlertRouting routing, IAlertNotifier notifier, ILogger<ChannelCheck> logger) : IHostedService
{
    private readonly HashSet<(string WorkflowId, string Channel)> _warned = [];
    private readonly Lock _gate = new();

    /// <summary>The channels a workflow's rules (its own and the default ones) name that are not configured.</summary>
    public IReadOnlyList<string> Unconfigured(string workflowId)
        => catalog.Find(workflowId)?.Plan?.Definition is { } definition
            ? (definition.Alerts ?? []).Concat(routing.DefaultRules).SelectMany(r => r.Notify).Distinct(StringComparer.Ordinal)
                .Where(c => !notifier.IsConfigured(c)).Order(StringComparer.Ordinal).ToList()
            : [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Changed += OnChanged;
        Check(catalog.Workflows.Select(e => e.WorkflowId));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        catalog.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(string workflowId) => Check([workflowId]);

    /// <summary>One line per channel, naming the workflows not warned about yet.</summary>
    private void Check(IEnumerable<string> workflowIds)
    {
        var found = workflowIds.SelectMany(id => Unconfigured(id).Select(channel => (WorkflowId: id, Channel: channel))).ToList();
        lock (_gate)
        {
            found.RemoveAll(pair => !_warned.Add(pair));
        }

        foreach (var group in found.GroupBy(p => p.Channel))
        {
            var channel = group.Key;
            LogUnconfigured(logger, channel, string.Join(", ", group.Select(p => p.WorkflowId)), Core.Model.ChannelReference.Parse(channel).Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Alerts to {Channel} (from {Workflows}) will be recorded as failed: the channel is not configured (Orchestrator:Alerts:Channels:{Name})")]
    private static partial void LogUnconfigured(ILogger logger, string channel, string workflows, string name);
}
