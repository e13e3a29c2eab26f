using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Activities.Streams;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Triggers;

/// <summary>
/// Workflows started by batches of records of the embedded local event log: one run per batch, every record in
/// exactly one batch file, across restarts, failed commits and a run created by a node that died before its commit.
/// </summary>
public abstract class TriggerWorkflowTests(DatabaseProvider provider) : IDisposable
{
    private readonly TriggerHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>The database (one for every server of the test) and short trigger retries.</summary>
    private async Task<Dictionary<string, string?>> SettingsAsync() => new(await ServerDatabase.SettingsAsync(provider, "trigger"))
    {
        ["Orchestrator:Triggers:RetryDelay"] = "00:00:00.050",
        ["Orchestrator:Triggers:MaxRetryDelay"] = "00:00:00.200",
        ["Orchestrator:Triggers:PausedPollInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task Trigger_StartsOneRunPerBatch_WithEveryRecordInExactlyOneBatchFile()
    {
        await _h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 10));
        await _h.ProduceAsync(0, 25);
        await using var server = await TestServer.StartAsync(_h.Root, provider, settings: await SettingsAsync());

        await _h.ProduceAsync(25, 20);
        await server.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(server.Client, 45), () => "45 records launched and their runs ended");

        var runs = await TriggerHarness.RunsAsync(server.Client);
        _h.AssertExactlyOnce(runs, 45);
        var status = (await server.GetJsonAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/triggers")).AsArray().Single()!;
        Assert.Equal(("kafka", "events", "orchestrator.ingest", TriggerHarness.Topic, 10, true, true),
            ((string)status["type"]!, (string)status["connection"]!, (string)status["group"]!, (string)status["topics"]![0]!, (int)status["batchSize"]!,
                (bool)status["running"]!, (bool)status["consuming"]!));
        Assert.InRange(runs.Count, 5, 45);
        Assert.All(runs, r => Assert.InRange((int)r["trigger"]!["count"]!, 1, 10));
        foreach (var run in runs)
        {
            await TriggerHarness.AssertReportedAsync(server.Client, run);
        }
    }

    [Fact]
    public async Task Restart_NeitherLosesNorDoublesABatch_WhenTheServerStopsMidStream()
    {
        await _h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 7));
        var settings = await SettingsAsync();

        // A producer writing all along, while the server stops and starts again on the same data and database.
        const int Sends = 60;
        const int PerSend = 4;
        using var producing = new CancellationTokenSource(TestServer.Patience);
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < Sends; i++)
            {
                await _h.ProduceAsync(i * PerSend, PerSend);
                await Task.Delay(15, producing.Token);
            }
        });

        await using (var first = await TestServer.StartAsync(_h.Root, provider, settings: settings))
        {
            await first.WaitUntilAsync(async () => (await TriggerHarness.RunsAsync(first.Client)).Count >= 3, () => "three batches launched before the stop");
        }

        await using var second = await TestServer.StartAsync(_h.Root, provider, settings: settings);
        await producer;
        await second.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(second.Client, Sends * PerSend), () => $"{Sends * PerSend} records launched and their runs ended");

        var runs = await TriggerHarness.RunsAsync(second.Client);
        _h.AssertExactlyOnce(runs, Sends * PerSend);

        // The stop left no batch file without its run.
        Assert.Equal(
            runs.Select(r => $"{r["id"]}.jsonl").Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(_h.DataDirectory, "triggers", TriggerHarness.Workflow)).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Trigger_DoesNotLaunchABatchAgain_WhenARunHoldsItsOffsetsButTheCommitNeverHappened()
    {
        // A node created the run of records 0..9 and died before committing: the group has no commit yet.
        await _h.ProduceAsync(0, 25);
        await using var server = await TestServer.StartAsync(_h.Root, provider, settings: await SettingsAsync());
        var plan = Compile(server.Services, TriggerHarness.Definition(batchSize: 10));
        var crashed = await CreateLaunchedRunAsync(server.Services, plan, count: 10);

        await _h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 10));
        await server.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(server.Client, 25), () => "25 records launched and their runs ended");

        var runs = await TriggerHarness.RunsAsync(server.Client);
        _h.AssertExactlyOnce(runs, 25);
        var first = Assert.Single(runs, r => (long)r["trigger"]!["offsets"]![0]!["first"]! == 0);
        Assert.Equal(crashed.ToString(), (string?)first["id"]);
        Assert.Equal(10, (long)runs.Where(r => (string?)r["id"] != crashed.ToString()).Min(r => (long)r["trigger"]!["offsets"]![0]!["first"]!));
        await TriggerHarness.AssertReportedAsync(server.Client, first);
    }

    [Fact]
    public async Task Trigger_RetriesAfterAReadAndACommitFail_AndLaunchesTheBatchOnce()
    {
        await _h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 10));
        await _h.ProduceAsync(0, 30);
        var flaky = new FlakyStreams(readFailures: 1, commitFailures: 1);
        await using var server = await TestServer.StartAsync(_h.Root, provider, settings: await SettingsAsync(),
            services: s => s.Replace(ServiceDescriptor.Singleton<IEventStreamFactory>(sp => flaky.Wrap(ActivatorUtilities.CreateInstance<EventStreamFactory>(sp)))));

        await server.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(server.Client, 30), () => "30 records launched and their runs ended");

        var runs = await TriggerHarness.RunsAsync(server.Client);
        _h.AssertExactlyOnce(runs, 30);
        Assert.Equal((1, 1), (flaky.ReadsFailed, flaky.CommitsFailed));
        Assert.Null((string?)(await server.GetJsonAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/triggers"))[0]!["lastError"]);
        Assert.Equal(10, (int)Assert.Single(runs, r => (long)r["trigger"]!["offsets"]![0]!["first"]! == 0)["trigger"]!["count"]!);
    }

    [Fact]
    public async Task PausedWorkflow_IsNotConsumed_AndItsRecordsStartRunsOnceUnpaused()
    {
        await _h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 100));
        await using var server = await TestServer.StartAsync(_h.Root, provider, settings: await SettingsAsync());
        using (var paused = await server.Client.PostAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/pause", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, paused.StatusCode);
        }

        await server.WaitUntilAsync(async () => !(bool)(await server.GetJsonAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/triggers"))[0]!["running"]!,
            () => "the trigger loop stopped");
        await _h.ProduceAsync(0, 5);

        // Idle for several reads' time (maxWait 0.2 s): still no run while paused.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await TriggerHarness.RunsAsync(server.Client));

        using (var unpaused = await server.Client.PostAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/unpause", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, unpaused.StatusCode);
        }

        await server.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(server.Client, 5), () => "5 records launched after the unpause");
        _h.AssertExactlyOnce(await TriggerHarness.RunsAsync(server.Client), 5);
    }

    private static WorkflowPlan Compile(IServiceProvider services, string json)
    {
        var result = services.GetRequiredService<WorkflowValidator>().Validate("ingest.json", json);
        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        return WorkflowPlan.Compile(result.Definition!, services.GetRequiredService<ActivityRegistry>(), services.GetRequiredService<EngineDefaults>());
    }

    /// <summary>What a node does before its commit: reads the first records, writes their file, creates their run.</summary>
    private async Task<Guid> CreateLaunchedRunAsync(IServiceProvider services, WorkflowPlan plan, int count)
    {
        IReadOnlyList<IncomingMessage> messages;
        using (var peek = _h.LocalStream().CreateConsumer(new ConsumerSettings { Group = "peek", Topics = [TriggerHarness.Topic], Start = StartPosition.Earliest }))
        {
            messages = await peek.ReadAsync(new BatchLimits { MaxMessages = count, MaxWait = TimeSpan.FromSeconds(5) }, CancellationToken.None);
        }

        Assert.Equal(count, messages.Count);
        var runId = Guid.CreateVersion7();
        var path = Server.Triggers.TriggerBatchFile.PathOf(TriggerHarness.Workflow, runId);
        await Server.Triggers.TriggerBatchFile.WriteAsync(Path.Combine(_h.DataDirectory, path), messages, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var (run, tasks) = RunProgress.New(plan, new RunContext
        {
            RunId = runId,
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = Core.Model.RunKind.Event,
            LogicalDate = now,
            DataIntervalStart = now,
            DataIntervalEnd = now,
            Params = new Dictionary<string, System.Text.Json.JsonElement>(),
            Trigger = new RunTrigger
            {
                Type = "kafka",
                Connection = "events",
                Group = $"orchestrator.{TriggerHarness.Workflow}",
                Path = path,
                Count = count,
                Topics = [TriggerHarness.Topic],
                Offsets = [new TriggerOffsets(TriggerHarness.Topic, 0, messages[0].Offset, messages[^1].Offset, count)],
            },
        }, now);
        Assert.Equal(BatchRunCreation.Created, await services.GetRequiredService<ITriggerBatchStore>().TryCreateBatchRunAsync(run, tasks, CancellationToken.None));
        return runId;
    }
}

public sealed class SqliteTriggerWorkflowTests() : TriggerWorkflowTests(DatabaseProvider.Sqlite);

public sealed class PostgresTriggerWorkflowTests() : TriggerWorkflowTests(DatabaseProvider.Postgres);
