using Orchestrator.Activities.Streams;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Observability;

namespace Orchestrator.Server.Triggers;

/// <summary>What every trigger loop of a node shares.</summary>
public sealed record TriggerServices(
    ConnectionCatalog Connections,
    IEventStreamFactory Streams,
    ITriggerBatchStore Batches,
    RunLauncher Launcher,
    IWorkflowStateStore States,
    DataDirectory Data,
    TriggerOptions Options,
    OrchestratorMetrics Metrics,
    TimeProvider Time,
    ILogger Logger);

/// <summary>
/// Consumes one trigger of one workflow: reads a batch, writes it durably to its file, creates the run (with the
/// batch's offsets, in one transaction) and only then commits the offsets. A batch whose first offsets a run already
/// holds (its node died, or its commit failed, after the run was created) is not launched again: its recorded end is
/// committed and the consumer moves past it. Failures are logged and retried with back-off; a paused workflow is not
/// consumed.
/// </summary>
public sealed partial class TriggerLoop(TriggerServices services, string workflowId, TriggerDefinition trigger)
{
    private readonly TriggerStream _stream = new(workflowId, trigger.Connection, trigger.GroupFor(workflowId));
    private volatile bool _consuming;
    private volatile string? _lastError;

    public string WorkflowId => workflowId;

    public TriggerDefinition Trigger => trigger;

    public string Group => _stream.Group;

    /// <summary>Whether this node's consumer holds partitions of the group now (another node's may hold them).</summary>
    public bool Consuming => _consuming;

    /// <summary>The last failure since the last good read, masked; null when healthy.</summary>
    public string? LastError => _lastError;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await PausedAsync(stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(services.Options.PausedPollInterval, services.Time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await ConsumeAsync(() =>
                {
                    failures = 0;
                    _lastError = null;
                }, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                services.Metrics.RecordTriggerError(workflowId);
                _lastError = services.Connections.Mask(e.Message);
                var delay = RetryPolicy.Exponential(services.Options.RetryDelay, ++failures, services.Options.MaxRetryDelay);
                LogFailed(services.Logger, workflowId, _stream.Group, trigger.Connection, delay.TotalSeconds, _lastError, e);
                try
                {
                    await Task.Delay(delay, services.Time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Reads and launches batches until the workflow is paused; <paramref name="healthy"/> after each round that succeeded.</summary>
    private async Task ConsumeAsync(Action healthy, CancellationToken stoppingToken)
    {
        var connection = services.Connections.Get(trigger.Connection, EventStreamFactory.Types);
        var stream = services.Streams.Open(connection);

        // Where a group that never committed starts: only the trigger commits its group, and only what it launched.
        var start = trigger.Start == TriggerStart.Latest && !await services.Batches.HasLaunchedAsync(_stream, stoppingToken).ConfigureAwait(false)
            ? StartPosition.Latest
            : StartPosition.Committed;
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = _stream.Group, Topics = trigger.AllTopics, Start = start });
        LogConsuming(services.Logger, workflowId, string.Join(", ", trigger.AllTopics), _stream.Group, connection.ToString());
        var limits = new BatchLimits { MaxMessages = trigger.EffectiveBatchSize, MaxWait = trigger.EffectiveMaxWait, StopAtEnd = false };
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var messages = await consumer.ReadAsync(limits, stoppingToken).ConfigureAwait(false);
                _consuming = consumer.OwnsPartitions;
                if (messages.Count > 0)
                {
                    await LaunchAsync(consumer, messages, stoppingToken).ConfigureAwait(false);
                }

                // Only a round that got as far as a commit resets the back-off: a database that is down fails every
                // launch after a good read, and must not be retried at the first delay forever.
                healthy();

                if (await PausedAsync(stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            _consuming = false;
        }
    }

    private async Task LaunchAsync(IStreamConsumer consumer, IReadOnlyList<IncomingMessage> messages, CancellationToken stoppingToken)
    {
        var ranges = PartitionRange.Of(messages);
        var launched = await services.Batches.FindLaunchedAsync(_stream, ranges.Select(r => (r.Topic, r.Partition, r.FirstOffset)).ToList(), stoppingToken)
            .ConfigureAwait(false);
        if (launched.Count > 0)
        {
            await SkipLaunchedAsync(consumer, ranges, launched, stoppingToken).ConfigureAwait(false);
            return;
        }

        var runId = Guid.CreateVersion7(services.Time.GetUtcNow());
        var relative = TriggerBatchFile.PathOf(workflowId, runId);
        var file = services.Data.ResolveForWrite(relative);
        await TriggerBatchFile.WriteAsync(file, messages, stoppingToken).ConfigureAwait(false);
        var context = new RunTrigger
        {
            Type = WireNames.Of(trigger.Type),
            Connection = trigger.Connection,
            Group = _stream.Group,
            Path = relative,
            Count = messages.Count,
            Topics = messages.Select(m => m.Topic).Distinct(StringComparer.Ordinal).ToList(),
            Offsets = ranges.Select(r => new TriggerOffsets(r.Topic, r.Partition, r.FirstOffset, r.LastOffset,
                messages.Count(m => m.Topic == r.Topic && m.Partition == r.Partition))).ToList(),
        };

        // From here the batch is handed over: a stopping server finishes creating the run, and commits for a while.
        LaunchResult result;
        try
        {
            result = await services.Launcher.LaunchBatchAsync(workflowId, runId, context, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(file);
            throw;
        }

        if (result.Run is null)
        {
            File.Delete(file);
            RewindTo(consumer, ranges);
            if (result.Failure == LaunchFailure.BatchAlreadyLaunched)
            {
                // Another node created it first (a rebalance): the next read finds its range and moves past it.
                return;
            }

            throw new InvalidOperationException($"no run for the batch: {string.Join("; ", result.Errors ?? [])}");
        }

        services.Metrics.RecordTriggerBatch(workflowId, messages.Count);
        LogLaunched(services.Logger, workflowId, result.Run.Id, messages.Count, Describe(ranges), relative);
        using var commit = new CancellationTokenSource(services.Options.CommitTimeout, services.Time);
        await consumer.CommitAsync(ranges, commit.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Part of the batch was launched by an earlier read whose commit never happened: commit the recorded ends, move
    /// past them, and read the rest again (it comes in the next batch).
    /// </summary>
    private async Task SkipLaunchedAsync(IStreamConsumer consumer, IReadOnlyList<PartitionRange> ranges, IReadOnlyList<LaunchedRange> launched, CancellationToken stoppingToken)
    {
        services.Metrics.RecordTriggerDuplicate(workflowId);
        var done = launched.Select(l => new PartitionRange(l.Topic, l.Partition, l.FirstOffset, l.LastOffset)).ToList();
        LogAlreadyLaunched(services.Logger, workflowId, string.Join(", ", launched.Select(l => l.RunId).Distinct()), Describe(done));
        await consumer.CommitAsync(done, stoppingToken).ConfigureAwait(false);
        foreach (var range in ranges)
        {
            var past = done.FirstOrDefault(d => d.Topic == range.Topic && d.Partition == range.Partition);
            consumer.Seek(range.Topic, range.Partition, past is null ? range.FirstOffset : past.LastOffset + 1);
        }
    }

    private static void RewindTo(IStreamConsumer consumer, IReadOnlyList<PartitionRange> ranges)
    {
        foreach (var range in ranges)
        {
            consumer.Seek(range.Topic, range.Partition, range.FirstOffset);
        }
    }

    private async Task<bool> PausedAsync(CancellationToken cancellationToken)
        => (await services.States.PausedAsync(cancellationToken).ConfigureAwait(false)).Contains(workflowId);

    private static string Describe(IEnumerable<PartitionRange> ranges)
        => string.Join(", ", ranges.Select(r => $"{r.Topic}[{r.Partition}] {r.FirstOffset}..{r.LastOffset}"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId}: consuming {Topics} as group {Group} on {Connection}")]
    private static partial void LogConsuming(ILogger logger, string workflowId, string topics, string group, string connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId}: run {RunId} created for {Count} record(s) ({Offsets}) in {Path}")]
    private static partial void LogLaunched(ILogger logger, string workflowId, Guid runId, int count, string offsets, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {WorkflowId}: run(s) {RunIds} already hold {Offsets}, whose commit did not happen; committing it and reading on after it")]
    private static partial void LogAlreadyLaunched(ILogger logger, string workflowId, string runIds, string offsets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {WorkflowId}: trigger of group {Group} on connection {Connection} failed; retrying in {Delay} s: {Reason}")]
    private static partial void LogFailed(ILogger logger, string workflowId, string group, string connection, double delay, string reason, Exception exception);
}
