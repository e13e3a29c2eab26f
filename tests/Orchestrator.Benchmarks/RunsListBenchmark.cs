using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Hosting;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// <c>GET /api/v1/runs</c> against the real server on loopback, over 1,000 / 10,000 / 100,000 runs in SQLite and in
/// PostgreSQL: p50/p99 of the first page and of a page in the middle of the history (reached with a cursor), with no
/// filter, a workflow filter and a state filter. Goal: p99 at most 50 ms at 100,000 runs.
/// </summary>
internal static class RunsListBenchmark
{
    private const int Take = 50;
    private const int Workflows = 10;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(string[] args)
    {
        var sizes = args is ["--runs", var list, ..]
            ? list.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : [1_000, 10_000, 100_000];
        var requests = 200;
        Console.WriteLine($"GET /api/v1/runs?take={Take} on loopback ({Environment.ProcessorCount} cores, .NET {Environment.Version}); " +
                          $"{requests} requests per line after 20 to warm up; runs spread over {Workflows} workflows, 1 in 10 failed, 4 runs per creation instant");
        Console.WriteLine($"{"database",-10} {"runs",8}  {"filter",-18} {"first page p50/p99",20}  {"deep page p50/p99",20}");
        foreach (var postgres in new[] { false, true })
        {
            foreach (var size in sizes)
            {
                await MeasureAsync(postgres, size, requests);
            }
        }
    }

    private static async Task MeasureAsync(bool postgres, int size, int requests)
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-runs-bench-").FullName;
        var connection = postgres ? await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("runs_bench") : null;
        var settings = new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = Directory.CreateDirectory(Path.Combine(root, "workflows")).FullName,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (connection is not null)
        {
            settings["Orchestrator:Database:Provider"] = "postgresql";
            settings["Orchestrator:Database:ConnectionString"] = connection;
        }

        var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        try
        {
            await SeedAsync(app.Services.GetRequiredService<IRunStore>(), postgres, connection ?? $"Data Source={Path.Combine(root, "data", "orchestrator.db")};Pooling=False", size);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient { BaseAddress = address };
            foreach (var (name, query, count) in new[] { ("none", "", size), ("workflowId=wf-3", "&workflowId=wf-3", size / Workflows), ("state=failed", "&state=failed", size / 10) })
            {
                var path = $"/api/v1/runs?take={Take}{query}";
                var deep = await CursorHalfwayAsync(http, path, count);
                var first = await TimeAsync(http, path, requests);
                var middle = await TimeAsync(http, $"{path}&cursor={deep}", requests);
                Console.WriteLine($"{(postgres ? "postgres" : "sqlite"),-10} {size,8:N0}  {name,-18} {Format(first),20}  {Format(middle),20}");
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Format((double P50, double P99) t) => $"{t.P50,6:F1} / {t.P99,6:F1} ms";

    /// <summary>The cursor of the page in the middle of a list of <paramref name="count"/> runs, found by walking to it.</summary>
    private static async Task<string> CursorHalfwayAsync(HttpClient http, string path, int count)
    {
        string? cursor = null;
        for (var seen = 0; seen < count / 2;)
        {
            var page = JsonNode.Parse(await http.GetStringAsync(cursor is null ? path : $"{path}&cursor={cursor}"))!;
            seen += page["items"]!.AsArray().Count;
            cursor = (string?)page["nextCursor"] ?? throw new InvalidOperationException($"{path} ended after {seen} runs, before the middle of {count}");
        }

        return cursor!;
    }

    private static async Task<(double P50, double P99)> TimeAsync(HttpClient http, string path, int requests)
    {
        var times = new List<double>(requests);
        for (var i = 0; i < requests + 20; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            watch.Stop();
            if (!response.IsSuccessStatusCode || JsonNode.Parse(body)!["items"]!.AsArray().Count != Take)
            {
                throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
            }

            if (i >= 20)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return (times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.99) - 1]);
    }

    /// <summary>
    /// One run through the store (every column in the provider's own format), then <paramref name="size"/> copies of
    /// it in one statement: new ids, one creation instant per 4 runs, one logical date each, 10 workflows, 1 in 10 failed.
    /// </summary>
    private static async Task SeedAsync(IRunStore runs, bool postgres, string connectionString, int size)
    {
        var template = new RunRecord
        {
            Id = Guid.CreateVersion7(),
            WorkflowId = "template",
            WorkflowVersion = "v1",
            Kind = RunKind.Scheduled,
            State = RunState.Succeeded,
            LogicalDate = Start,
            DataIntervalStart = Start,
            DataIntervalEnd = Start.AddHours(1),
            Params = new Dictionary<string, System.Text.Json.JsonElement>(),
            CreatedAt = Start,
            StartedAt = Start,
            EndedAt = Start.AddMinutes(1),
        };
        await runs.CreateAsync(template, [], CancellationToken.None);

        await using DbConnection db = postgres ? new Npgsql.NpgsqlConnection(connectionString) : new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        await db.OpenAsync();
        var columns = new List<string>();
        await using (var read = db.CreateCommand())
        {
            read.CommandText = postgres
                ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'runs' AND table_schema = current_schema() ORDER BY ordinal_position"
                : "SELECT name FROM pragma_table_info('runs')";
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }

        Func<string, string> at = postgres
            ? seconds => $"t.created_at + make_interval(secs => {seconds})"
            : seconds => $"strftime('%Y-%m-%dT%H:%M:%S', {Start.ToUnixTimeSeconds()} + {seconds}, 'unixepoch') || '.0000000Z'";
        var uuid = postgres
            ? "gen_random_uuid()"
            : "upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(6)))";
        var series = postgres
            ? $"runs t CROSS JOIN generate_series(1, {size}) AS s(i)"
            : $"runs t CROSS JOIN (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {size}) SELECT i FROM n) AS s";
        var values = new Dictionary<string, string>
        {
            ["id"] = uuid,
            ["workflow_id"] = $"'wf-' || (s.i % {Workflows})",
            ["state"] = "CASE WHEN s.i % 10 = 0 THEN 'failed' ELSE 'succeeded' END",
            ["created_at"] = at("s.i / 4"),
            ["logical_date"] = at("s.i"),
            ["data_interval_start"] = at("s.i"),
            ["data_interval_end"] = at("s.i + 3600"),
        };
        await using var insert = db.CreateCommand();
        insert.CommandTimeout = 600;
        insert.CommandText = $"INSERT INTO runs ({string.Join(", ", columns)}) SELECT {string.Join(", ", columns.Select(c => values.GetValueOrDefault(c, $"t.{c}")))} " +
                             $"FROM {series} WHERE t.workflow_id = 'template'";
        await insert.ExecuteNonQueryAsync();
        await using var analyze = db.CreateCommand();
        analyze.CommandText = "ANALYZE";
        await analyze.ExecuteNonQueryAsync();
    }
}
