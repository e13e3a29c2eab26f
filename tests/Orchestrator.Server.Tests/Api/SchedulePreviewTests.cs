using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public sealed class SchedulePreviewTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    [Fact]
    public async Task Preview_ListsTheNextFireTimesAndTheirIntervals_WhenTheScheduleIsACronString()
    {
        var preview = await PreviewAsync(new { schedule = "0 * * * *", count = 3, after = "2026-01-01T00:30:00Z" });

        Assert.Equal(["2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00", "2026-01-01T03:00:00+00:00"], Instants(preview["fireTimes"]!));
        Assert.Equal(["2026-01-01T00:00:00+00:00", "2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00"], Instants(preview["intervals"]!, "start"));
        Assert.Equal(Instants(preview["fireTimes"]!), Instants(preview["intervals"]!, "end"));
    }

    [Fact]
    public async Task Preview_EvaluatesTheCronInItsZoneFromItsStart_WhenTheScheduleIsAnObject()
    {
        var preview = await PreviewAsync(new
        {
            schedule = new { cron = "0 9 * * *", timezone = "Europe/Paris", start = "2026-06-01T00:00:00Z" },
            count = 2,
            after = "2026-01-01T00:00:00Z",
        });

        // 09:00 in Paris is 07:00 UTC in summer; the first interval starts at the first tick at or after start.
        Assert.Equal(["2026-06-02T07:00:00+00:00", "2026-06-03T07:00:00+00:00"], Instants(preview["fireTimes"]!));
        Assert.Equal("2026-06-01T07:00:00+00:00", Instants(preview["intervals"]!, "start")[0]);
    }

    [Fact]
    public async Task Preview_ReturnsTenFireTimesAfterNow_WhenCountAndAfterAreOmitted()
    {
        var before = DateTimeOffset.UtcNow;

        var preview = await PreviewAsync(new { schedule = "*/5 * * * * *" });

        var fires = preview["fireTimes"]!.AsArray().Select(f => DateTimeOffset.Parse((string)f!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(10, fires.Count);
        Assert.True(fires[0] > before);
    }

    [Theory]
    [InlineData("""{ "schedule": "61 * * * *" }""", HttpStatusCode.UnprocessableEntity, "does not parse")]
    [InlineData("""{ "schedule": "* * *" }""", HttpStatusCode.UnprocessableEntity, "3 field(s)")]
    [InlineData("""{ "schedule": { "cron": "0 * * * *", "timezone": "Mars/Olympus" } }""", HttpStatusCode.UnprocessableEntity, "unknown time zone")]
    [InlineData("""{ "schedule": "0 * * * *", "count": 51 }""", HttpStatusCode.BadRequest, "between 1 and 50")]
    [InlineData("""{ "count": 5 }""", HttpStatusCode.BadRequest, "name a schedule")]
    public async Task Preview_ReturnsAProblemWithTheReason_WhenTheScheduleCannotBePreviewed(string body, HttpStatusCode expected, string reason)
    {
        using var response = await server.Client.PostAsync("/api/v1/schedules/preview", ServerFixture.Json(body));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, (string?)(await ServerFixture.ReadObjectAsync(response))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_ReturnsBadRequest_WhenANumberIsSentAsAString()
    {
        using var response = await server.Client.PostAsync("/api/v1/schedules/preview", ServerFixture.Json("""{ "schedule": "0 * * * *", "count": "5" }"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<JsonObject> PreviewAsync(object body)
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/schedules/preview", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ServerFixture.ReadObjectAsync(response);
    }

    private static List<string> Instants(JsonNode array, string? property = null)
        => array.AsArray()
            .Select(n => DateTimeOffset.Parse((string)(property is null ? n : n![property])!, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
