using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class EventStreamTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Events_AnswersAtOnce_WhenNoEventFollows()
    {
        // Nothing is triggered: the response must not wait for a first event, or a client could not tell
        // when it is subscribed.
        var open = RunEventStream.OpenAsync(server.Client, TimeSpan.FromSeconds(5));

        await using var events = await open;
    }

    [Fact]
    public async Task Events_StreamsRunAndTaskStates_WhenARunProgresses()
    {
        await using var events = await server.OpenEventsAsync();
        var run = await server.TriggerAsync(SeedWorkflows.Noop);
        var runId = (string)run["id"]!;

        var queued = await events.WaitForAsync(e => e.Name == "run" && e.RunId == runId, ServerFixture.Patience, "the run's first state");
        var running = await events.WaitForAsync(e => e.Name == "task" && e.RunId == runId && e.State == "running", ServerFixture.Patience, "the task running");
        var succeeded = await events.WaitForAsync(e => e.Name == "run" && e.RunId == runId && e.State == "succeeded", ServerFixture.Patience, "the run succeeding");

        Assert.Equal("queued", queued.State);
        Assert.Equal("run_state", (string?)queued.Data["type"]);
        Assert.Equal(SeedWorkflows.Noop, (string?)queued.Data["workflowId"]);
        Assert.Equal("task_state", (string?)running.Data["type"]);
        Assert.Equal("nothing", running.TaskId);
        Assert.Equal("run_state", (string?)succeeded.Data["type"]);
    }
}

public sealed class SqliteEventStreamTests(SqliteServerFixture server) : EventStreamTests<SqliteServerFixture>(server);

public sealed class PostgresEventStreamTests(PostgresServerFixture server) : EventStreamTests<PostgresServerFixture>(server);
