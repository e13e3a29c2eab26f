using System.Net;
using System.Net.Http.Json;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class BackfillTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private static readonly DateTimeOffset From = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset[] Hours = [From, From.AddHours(1), From.AddHours(2)];

    [Fact]
    public async Task Backfill_CreatesOneRunPerInterval_WhenTheRangeIsNew()
    {
        var result = await BackfillAsync(From, From.AddHours(3));

        var created = result["created"]!.AsArray();
        Assert.Equal(Hours, created.Select(r => (DateTimeOffset)r!["logicalDate"]!).Order());
        Assert.All(created, r => Assert.Equal("backfill", (string?)r!["kind"]));
        Assert.Empty(result["skipped"]!.AsArray());
        var runs = await server.GetObjectAsync($"/api/v1/runs?workflowId={SeedWorkflows.Hourly}&take=500");
        var stored = runs["items"]!.AsArray()
            .Where(r => (DateTimeOffset)r!["logicalDate"]! < From.AddDays(1) && (DateTimeOffset)r["logicalDate"]! >= From)
            .ToList();
        Assert.Equal(Hours, stored.Select(r => (DateTimeOffset)r!["logicalDate"]!).Order());
        Assert.All(stored, r =>
        {
            Assert.Equal((DateTimeOffset)r!["logicalDate"]!, (DateTimeOffset)r["dataIntervalStart"]!);
            Assert.Equal(TimeSpan.FromHours(1), (DateTimeOffset)r["dataIntervalEnd"]! - (DateTimeOffset)r["dataIntervalStart"]!);
        });
    }

    [Fact]
    public async Task Backfill_SkipsEveryInterval_WhenRepeated()
    {
        var from = From.AddDays(1);
        var first = await BackfillAsync(from, from.AddHours(3));
        Assert.Equal(3, first["created"]!.AsArray().Count);

        var second = await BackfillAsync(from, from.AddHours(3));

        Assert.Empty(second["created"]!.AsArray());
        Assert.Equal(Hours.Select(h => h.AddDays(1)), second["skipped"]!.AsArray().Select(d => (DateTimeOffset)d!).Order());
    }

    [Fact]
    public async Task Backfill_ReturnsNotScheduledProblem_WhenTheWorkflowHasNoSchedule()
    {
        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Noop}/backfill", new { from = From, to = From.AddHours(3) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/not-scheduled", (string?)problem["type"]);
    }

    [Fact]
    public async Task Backfill_ReturnsTooManyIntervalsProblem_AndCreatesNothing_WhenTheRangeHoldsMoreThanTheLimit()
    {
        // Two years of an hourly schedule: 17,520 intervals, above the default limit of 10,000.
        var from = From.AddYears(-3);
        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Hourly}/backfill", new { from, to = from.AddYears(2) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/too-many-intervals", (string?)problem["type"]);
        var runs = await server.GetObjectAsync($"/api/v1/runs?workflowId={SeedWorkflows.Hourly}&take=500");
        Assert.DoesNotContain(runs["items"]!.AsArray(), r => (DateTimeOffset)r!["logicalDate"]! < From.AddYears(-1));
    }

    [Fact]
    public async Task ListRuns_PagesThroughEveryRunOnce_WhenFollowingNextCursor()
    {
        // A backfill creates its runs together: many share their creation instant, so pages end between ties.
        var from = From.AddDays(5);
        Assert.Equal(7, (await BackfillAsync(from, from.AddHours(7)))["created"]!.AsArray().Count);
        var whole = (await server.GetObjectAsync($"/api/v1/runs?workflowId={SeedWorkflows.Hourly}&take=500"))["items"]!.AsArray()
            .Select(r => (string?)r!["id"]).ToList();

        var paged = new List<string?>();
        string? cursor = null;
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await server.GetObjectAsync($"/api/v1/runs?workflowId={SeedWorkflows.Hourly}&take=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            paged.AddRange(page["items"]!.AsArray().Select(r => (string?)r!["id"]));
            cursor = (string?)page["nextCursor"];
            if (cursor is null)
            {
                break;
            }
        }

        Assert.True(whole.Count >= 7);
        Assert.Null(cursor);
        Assert.Equal(whole, paged);
    }

    private async Task<System.Text.Json.Nodes.JsonObject> BackfillAsync(DateTimeOffset from, DateTimeOffset to)
    {
        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Hourly}/backfill", new { from, to });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ServerFixture.ReadObjectAsync(response);
    }
}

public sealed class SqliteBackfillTests(SqliteServerFixture server) : BackfillTests<SqliteServerFixture>(server);

public sealed class PostgresBackfillTests(PostgresServerFixture server) : BackfillTests<PostgresServerFixture>(server);
