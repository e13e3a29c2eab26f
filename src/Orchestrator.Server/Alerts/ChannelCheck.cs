using Orchestrator.Alerts;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Alerts;

/// <summary>
/// Warns, once per workflow and channel, when a rule notifies a channel that is not configured: its alerts would
/// only be recorded as failed. Runs at start and whenever a workflow file changes.
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
        catalog.Changed += Check;
        foreach (var entry in catalog.Workflows)
        {
            Check(entry.WorkflowId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        catalog.Changed -= Check;
        return Task.CompletedTask;
    }

    private void Check(string workflowId)
    {
        foreach (var channel in Unconfigured(workflowId))
        {
            bool first;
            lock (_gate)
            {
                first = _warned.Add((workflowId, channel));
            }

            if (first)
            {
                LogUnconfigured(logger, workflowId, channel, channel[(channel.IndexOf(':') + 1)..]);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Workflow {WorkflowId} sends alerts to {Channel}, which is not configured (Orchestrator:Alerts:Channels:{Name}); they will be recorded as failed")]
    private static partial void LogUnconfigured(ILogger logger, string workflowId, string channel, string name);
}
