using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Streams;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Observability;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Triggers;

/// <summary>
/// Runs one <see cref="TriggerLoop"/> per trigger of every active, unpaused workflow, following the catalog: a
/// workflow added starts its loops, a changed trigger restarts its loop, a workflow deactivated or paused stops them.
/// Which node consumes a trigger is the stream's business: a consumer group has one owner of each partition.
/// </summary>
public sealed partial class TriggerService(
    WorkflowCatalog catalog,
    ConnectionCatalog connections,
    IEventStreamFactory streams,
    ITriggerBatchStore batches,
    RunLauncher launcher,
    IWorkflowStateStore states,
    DataDirectory data,
    IOptions<TriggerOptions> options,
    OrchestratorMetrics metrics,
    TimeProvider time,
    ILogger<TriggerService> logger) : BackgroundService
{
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>();
    private readonly Dictionary<(string WorkflowId, int Index), Running> _loops = [];
    private readonly TriggerServices _services = new(connections, streams, batches, launcher, states, data, options.Value, metrics, time, logger);

    private sealed record Running(TriggerLoop Loop, CancellationTokenSource Stop, Task Task);

    /// <summary>This node's loops of a workflow's triggers, by index.</summary>
    public IReadOnlyList<(int Index, TriggerLoop Loop)> LoopsOf(string workflowId)
    {
        lock (_loops)
        {
            return _loops.Where(l => l.Key.WorkflowId == workflowId).OrderBy(l => l.Key.Index).Select(l => (l.Key.Index, l.Value.Loop)).ToList();
        }
    }

    /// <summary>Looks at a workflow's triggers again (added, changed, deactivated, paused or unpaused).</summary>
    public void OnChanged(string workflowId) => _changed.Writer.TryWrite(workflowId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Changed += OnChanged;
        try
        {
            foreach (var entry in catalog.Workflows)
            {
                await ReconcileAsync(entry.WorkflowId, stoppingToken).ConfigureAwait(false);
            }

            await foreach (var workflowId in _changed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await ReconcileAsync(workflowId, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the loops are stopped below.
        }
        finally
        {
            catalog.Changed -= OnChanged;
            List<Running> all;
            lock (_loops)
            {
                all = [.. _loops.Values];
                _loops.Clear();
            }

            await Task.WhenAll(all.Select(StopAsync)).ConfigureAwait(false);
        }
    }

    private async Task ReconcileAsync(string workflowId, CancellationToken stoppingToken)
    {
        IReadOnlyList<TriggerDefinition> wanted = [];
        try
        {
            var entry = catalog.Find(workflowId);
            var paused = (await states.PausedAsync(stoppingToken).ConfigureAwait(false)).Contains(workflowId);
            if (entry is { Active: true, Plan: { } plan } && !paused)
            {
                wanted = plan.Definition.Triggers ?? [];
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The loops look at the pause themselves; without an answer, keep what runs.
            LogReconcileFailed(logger, workflowId, e.Message);
            return;
        }

        var stopping = new List<Running>();
        lock (_loops)
        {
            foreach (var key in _loops.Keys.Where(k => k.WorkflowId == workflowId).ToList())
            {
                if (key.Index >= wanted.Count || !_loops[key].Loop.Trigger.Equals(wanted[key.Index]))
                {
                    stopping.Add(_loops[key]);
                    _loops.Remove(key);
                }
            }
        }

        await Task.WhenAll(stopping.Select(StopAsync)).ConfigureAwait(false);
        lock (_loops)
        {
            for (var index = 0; index < wanted.Count; index++)
            {
                if (_loops.ContainsKey((workflowId, index)))
                {
                    continue;
                }

                var loop = new TriggerLoop(_services, workflowId, wanted[index]);
                var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                _loops[(workflowId, index)] = new Running(loop, stop, Task.Run(() => loop.RunAsync(stop.Token), CancellationToken.None));
                LogStarted(logger, workflowId, index, string.Join(", ", wanted[index].AllTopics));
            }
        }
    }

    private async Task StopAsync(Running running)
    {
        await running.Stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await running.Task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLoopFailed(logger, running.Loop.WorkflowId, e);
        }
        finally
        {
            running.Stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId}: trigger {Index} on {Topics} started")]
    private static partial void LogStarted(ILogger logger, string workflowId, int index, string topics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {WorkflowId}: its triggers were not updated: {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string workflowId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow {WorkflowId}: a trigger loop ended with an error")]
    private static partial void LogLoopFailed(ILogger logger, string workflowId, Exception exception);
}
