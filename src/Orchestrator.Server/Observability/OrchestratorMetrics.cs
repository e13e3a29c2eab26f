using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Prometheus;

namespace Orchestrator.Server.Observability;

/// <summary>
/// The Prometheus metrics of a node, served at <c>/metrics</c> from a registry of its own (with the runtime and
/// ASP.NET Core meters, see <see cref="ObservabilityRegistration"/>). Counters and histograms are of what this node
/// did; the gauges are read from the database at each scrape and so are the same on every node of a cluster.
/// </summary>
public sealed class OrchestratorMetrics
{
    private readonly Counter _runs;
    private readonly Counter _tasks;
    private readonly Histogram _attempts;
    private readonly Histogram _queueWait;
    private readonly Histogram _lag;
    private readonly Counter _triggerBatches;
    private readonly Counter _triggerRecords;
    private readonly Counter _triggerDuplicates;
    private readonly Counter _triggerErrors;
    private readonly Counter _alertDeliveries;
    private readonly Gauge _runsByState;
    private readonly Gauge _tasksByState;
    private readonly Gauge _queueDepth;
    private readonly Gauge _queueOldest;
    private readonly Gauge _alertOutbox;

    public OrchestratorMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        _runs = factory.CreateCounter(
            "orchestrator_runs_total", "Runs that reached a state, by workflow and state.", "workflow", "state");
        _tasks = factory.CreateCounter(
            "orchestrator_task_instances_total", "Task instances that reached a final state or up_for_retry, by workflow and state.", "workflow", "state");
        _attempts = factory.CreateHistogram(
            "orchestrator_attempt_duration_seconds", "Duration of task attempts, by activity and outcome.",
            new HistogramConfiguration { LabelNames = ["activity", "outcome"], Buckets = Histogram.ExponentialBuckets(0.001, 4, 12) });
        _queueWait = factory.CreateHistogram(
            "orchestrator_queue_wait_seconds", "Time a queued task instance waited before a worker of this node claimed it.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 4, 12) });
        _lag = factory.CreateHistogram(
            "orchestrator_scheduling_lag_seconds", "Delay between a schedule's due time (the end of a data interval) and the creation of its run.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 4, 10) });
        _triggerBatches = factory.CreateCounter(
            "orchestrator_trigger_batches_total", "Trigger batches that started a run, by workflow.", "workflow");
        _triggerRecords = factory.CreateCounter(
            "orchestrator_trigger_records_total", "Records handed to runs by triggers, by workflow.", "workflow");
        _triggerDuplicates = factory.CreateCounter(
            "orchestrator_trigger_duplicates_total", "Batches read again whose run existed already (not launched twice), by workflow.", "workflow");
        _triggerErrors = factory.CreateCounter(
            "orchestrator_trigger_errors_total", "Trigger failures (connection, broker, database), retried with back-off, by workflow.", "workflow");
        _alertDeliveries = factory.CreateCounter(
            "orchestrator_alert_deliveries_total", "Alert delivery attempts, by channel and outcome (sent, retry, failed).", "channel", "outcome");
        _runsByState = factory.CreateGauge(
            "orchestrator_runs", "Runs now in each state that is not final (queued, running), in the whole cluster.", "state");
        _tasksByState = factory.CreateGauge(
            "orchestrator_task_instances", "Task instances now in each state that is not final (pending, queued, running, up_for_retry), in the whole cluster.", "state");
        _queueDepth = factory.CreateGauge(
            "orchestrator_queue_depth", "Task instances waiting for a worker: queued, and retries that are due.");
        _queueOldest = factory.CreateGauge(
            "orchestrator_queue_oldest_seconds", "How long the oldest queued task instance has been waiting for a worker (0 when none waits).");
        _alertOutbox = factory.CreateGauge(
            "orchestrator_alert_outbox_depth", "Alerts waiting for their first or next delivery attempt.");

        // Every state shows from the first scrape, at 0, so that a dashboard does not read an absent series as no data.
        foreach (var state in QueueGauges.RunStates)
        {
            _runsByState.WithLabels(WireNames.Of(state)).Set(0);
        }

        foreach (var state in QueueGauges.TaskStates)
        {
            _tasksByState.WithLabels(WireNames.Of(state)).Set(0);
        }
    }

    /// <summary>The node's registry: these metrics, and the meters exported with them.</summary>
    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public void Record(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case RunStateChanged run:
                _runs.WithLabels(run.WorkflowId, WireNames.Of(run.State)).Inc();
                break;
            case TaskStateChanged { State: TaskState.Running, QueuedAt: { } queuedAt } claimed:
                _queueWait.Observe(Math.Max(0, (claimed.At - queuedAt).TotalSeconds));
                break;
            case TaskStateChanged task when task.State.IsFinal() || task.State == TaskState.UpForRetry:
                _tasks.WithLabels(task.WorkflowId ?? "", WireNames.Of(task.State)).Inc();
                break;
            case AttemptEnded { Duration: { } duration } attempt:
                _attempts.WithLabels(attempt.Activity ?? "", WireNames.Of(attempt.Outcome)).Observe(duration.TotalSeconds);
                break;
        }
    }

    /// <summary>Sets the gauges read from the store at a scrape.</summary>
    public void SetGauges(QueueGauges gauges, int alertOutboxDepth, DateTimeOffset now)
    {
        foreach (var state in QueueGauges.RunStates)
        {
            _runsByState.WithLabels(WireNames.Of(state)).Set(gauges.Runs.GetValueOrDefault(state));
        }

        foreach (var state in QueueGauges.TaskStates)
        {
            _tasksByState.WithLabels(WireNames.Of(state)).Set(gauges.TaskInstances.GetValueOrDefault(state));
        }

        _queueDepth.Set(gauges.QueueDepth);
        _queueOldest.Set(gauges.OldestQueuedAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0);
        _alertOutbox.Set(alertOutboxDepth);
    }

    public void RecordTriggerBatch(string workflowId, int records)
    {
        _triggerBatches.WithLabels(workflowId).Inc();
        _triggerRecords.WithLabels(workflowId).Inc(records);
    }

    public void RecordTriggerDuplicate(string workflowId) => _triggerDuplicates.WithLabels(workflowId).Inc();

    public void RecordTriggerError(string workflowId) => _triggerErrors.WithLabels(workflowId).Inc();

    public void RecordAlertDelivery(string channel, string outcome) => _alertDeliveries.WithLabels(channel, outcome).Inc();

    public void RecordSchedulingLag(TimeSpan lag) => _lag.Observe(Math.Max(0, lag.TotalSeconds));
}
