using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Prometheus;

namespace Orchestrator.Server.Observability;

/// <summary>The Prometheus metrics of a node, served at <c>/metrics</c>.</summary>
public sealed class OrchestratorMetrics
{
    private readonly Counter _runs = Metrics.CreateCounter(
        "orchestrator_runs_total", "Runs that reached a state, by workflow and state.", "workflow", "state");

    private readonly Counter _tasks = Metrics.CreateCounter(
        "orchestrator_task_instances_total", "Task instances that reached a state, by workflow and state.", "workflow", "state");

    private readonly Histogram _attempts = Metrics.CreateHistogram(
        "orchestrator_attempt_duration_seconds", "Duration of task attempts, by activity.",
        new HistogramConfiguration { LabelNames = ["activity", "outcome"], Buckets = Histogram.ExponentialBuckets(0.001, 4, 12) });

    private readonly Histogram _lag = Metrics.CreateHistogram(
        "orchestrator_scheduling_lag_seconds", "Delay between a scheduled fire time and the creation of its run.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 4, 10) });

    private readonly Counter _triggerBatches = Metrics.CreateCounter(
        "orchestrator_trigger_batches_total", "Trigger batches that started a run, by workflow.", "workflow");

    private readonly Counter _triggerRecords = Metrics.CreateCounter(
        "orchestrator_trigger_records_total", "Records handed to runs by triggers, by workflow.", "workflow");

    private readonly Counter _triggerDuplicates = Metrics.CreateCounter(
        "orchestrator_trigger_duplicates_total", "Batches read again whose run existed already (not launched twice), by workflow.", "workflow");

    private readonly Counter _triggerErrors = Metrics.CreateCounter(
        "orchestrator_trigger_errors_total", "Trigger failures (connection, broker, database), retried with back-off, by workflow.", "workflow");

    private readonly Counter _alertDeliveries = Metrics.CreateCounter(
        "orchestrator_alert_deliveries_total", "Alert delivery attempts, by channel and outcome (sent, retry, failed).", "channel", "outcome");

    public Gauge QueueDepth { get; } = Metrics.CreateGauge("orchestrator_queue_depth", "Task instances waiting for a worker.");

    public Gauge ActiveRuns { get; } = Metrics.CreateGauge("orchestrator_active_runs", "Runs in the running state.");

    public void Record(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case RunStateChanged run:
                _runs.WithLabels(run.WorkflowId, WireNames.Of(run.State)).Inc();
                break;
            case TaskStateChanged task when task.State.IsFinal() || task.State == TaskState.UpForRetry:
                _tasks.WithLabels(task.WorkflowId ?? "", WireNames.Of(task.State)).Inc();
                break;
            case AttemptEnded { Duration: { } duration } attempt:
                _attempts.WithLabels(attempt.Activity ?? "", WireNames.Of(attempt.Outcome)).Observe(duration.TotalSeconds);
                break;
        }
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
