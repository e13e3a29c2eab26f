using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Alerts;

namespace Orchestrator.Cli;

/// <summary>
/// The alerts of <c>orchestrator run</c>: the run's changes record them in an in-memory outbox
/// (<see cref="AlertOutboxWriter"/>), and before the process exits the server's <see cref="AlertDispatcher"/>
/// delivers them through the configured channels, retrying for at most <see cref="DeliveryWait"/>.
/// </summary>
internal sealed class CliAlerts(IAlertOutbox outbox, AlertDispatcher dispatcher, IAlertNotifier notifier, AlertRouting routing, TimeProvider time)
{
    /// <summary>How long the process waits for its alerts to go out after the run has ended.</summary>
    public static readonly TimeSpan DeliveryWait = TimeSpan.FromSeconds(30);

    /// <summary>The channels the workflow's rules (and the default rules) name that this environment does not configure.</summary>
    public IReadOnlyList<string> Unconfigured(WorkflowDefinition workflow)
        => (workflow.Alerts ?? []).Concat(routing.DefaultRules).SelectMany(r => r.Notify).Distinct(StringComparer.Ordinal)
            .Where(c => !notifier.IsConfigured(c)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Delivers the run's alerts; reports on <paramref name="stderr"/> each one not delivered to a configured channel.</summary>
    public async Task DeliverAsync(Guid runId, IReadOnlyList<string> unconfigured, TextWriter stderr)
    {
        using var deadline = new CancellationTokenSource(DeliveryWait, time);
        try
        {
            while (true)
            {
                await dispatcher.DispatchAsync(deadline.Token).ConfigureAwait(false);
                if (await outbox.NextDueAsync(deadline.Token).ConfigureAwait(false) is not { } due)
                {
                    break;
                }

                if (due > time.GetUtcNow())
                {
                    await Task.Delay(due - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // What is still pending is reported below.
        }

        var alerts = await outbox.ListAsync(new AlertFilter(RunId: runId), new Page(Take: 10_000), CancellationToken.None).ConfigureAwait(false);
        foreach (var alert in alerts.Where(a => a.State is AlertState.Failed or AlertState.Pending && !unconfigured.Contains(a.Channel)).OrderBy(a => a.OccurredAt))
        {
            var within = alert.State == AlertState.Pending ? $" within {DeliveryWait.TotalSeconds:0} s" : "";
            await stderr.WriteLineAsync($"orchestrator: alert {WireNames.Of(alert.Event)} to {alert.Channel} not delivered{within}: {alert.LastError ?? "no attempt finished"}")
                .ConfigureAwait(false);
        }
    }
}
