using System.Net;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class PauseTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Pause_MarksTheWorkflowPausedAndUnschedulesIt_WhenItIsScheduled()
    {
        using var response = await server.Client.PostAsync($"/api/v1/workflows/{SeedWorkflows.Hourly}/pause", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var listed = (await server.FindInListAsync(SeedWorkflows.Hourly))!;
        Assert.True((bool?)listed["paused"]);
        Assert.Null(listed["nextRunAt"]);
    }

    [Fact]
    public async Task Unpause_ClearsPausedAndSchedulesAgain_WhenTheWorkflowWasPaused()
    {
        using (var pause = await server.Client.PostAsync($"/api/v1/workflows/{SeedWorkflows.Hourly}/pause", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, pause.StatusCode);
        }

        Assert.True((bool?)(await server.FindInListAsync(SeedWorkflows.Hourly))!["paused"]);

        using var response = await server.Client.PostAsync($"/api/v1/workflows/{SeedWorkflows.Hourly}/unpause", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var listed = (await server.FindInListAsync(SeedWorkflows.Hourly))!;
        Assert.False((bool?)listed["paused"]);
        Assert.NotNull(listed["nextRunAt"]);
    }

    [Fact]
    public async Task Pause_ReturnsNotFoundProblem_WhenTheWorkflowIsUnknown()
    {
        using var response = await server.Client.PostAsync("/api/v1/workflows/no-such-workflow/pause", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class SqlitePauseTests(SqliteServerFixture server) : PauseTests<SqliteServerFixture>(server);

public sealed class PostgresPauseTests(PostgresServerFixture server) : PauseTests<PostgresServerFixture>(server);
