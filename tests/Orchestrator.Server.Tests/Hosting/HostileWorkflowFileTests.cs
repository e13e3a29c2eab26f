using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Server.Tests.Support;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// No workflow file can stop a node: text that is not text (a lone surrogate escape, Latin-1 bytes), a param pattern
/// that backtracks forever, or a file changed while the database is down. The node keeps serving, the other files
/// load, a broken file's workflow keeps its last good version.
/// </summary>
public sealed class HostileWorkflowFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-hostile-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Workflows => Path.Combine(_root, "workflows");

    /// <summary>The hostile files, by name: each the same workflow id as its file.</summary>
    public static readonly IReadOnlyDictionary<string, byte[]> Hostile = new Dictionary<string, byte[]>
    {
        ["surrogate"] = Encoding.UTF8.GetBytes("""
            { "id": "surrogate", "description": "half a pair: \ud800",
              "tasks": [ { "id": "a", "activity": "core.noop" } ] }
            """),
        ["latin1"] = [.. Encoding.UTF8.GetBytes("{ \"id\": \"latin1\", \"description\": \"caf"), 0xE9, .. Encoding.UTF8.GetBytes("\",\n  \"tasks\": [ { \"id\": \"a\", \"activity\": \"core.noop\" } ] }")],
        ["backtracking"] = Encoding.UTF8.GetBytes("""
            { "id": "backtracking",
              "params": { "code": { "type": "string", "pattern": "^(a+)+$", "default": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" } },
              "tasks": [ { "id": "a", "activity": "core.noop" } ] }
            """),
    };

    private static string Valid(string id, string task = "a") => $$"""
        { "id": "{{id}}", "tasks": [ { "id": "{{task}}", "activity": "core.noop" } ] }
        """;

    [Fact]
    public async Task Start_LoadsTheOtherWorkflows_WhenTheFolderHoldsHostileFiles()
    {
        Directory.CreateDirectory(Workflows);
        foreach (var (name, bytes) in Hostile)
        {
            await File.WriteAllBytesAsync(Path.Combine(Workflows, name + ".json"), bytes);
        }

        await File.WriteAllTextAsync(Path.Combine(Workflows, "good.json"), Valid("good"));

        await using var server = await TestServer.StartAsync(_root);

        var listed = (await server.GetJsonAsync("/api/v1/workflows")).AsArray().Select(w => (string?)w!["id"]).ToList();
        Assert.Equal(["good"], listed);
        using var run = await server.Client.PostAsJsonAsync("/api/v1/workflows/good/runs", new { });
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
    }

    [Fact]
    public async Task Watcher_KeepsTheNodeUp_AndTheLastGoodVersion_WhenAWorkflowFileTurnsHostile()
    {
        Directory.CreateDirectory(Workflows);
        foreach (var name in Hostile.Keys)
        {
            await File.WriteAllTextAsync(Path.Combine(Workflows, name + ".json"), Valid(name));
        }

        await using var server = await TestServer.StartAsync(_root);
        var versions = new Dictionary<string, string?>();
        foreach (var name in Hostile.Keys)
        {
            versions[name] = (string?)(await server.GetJsonAsync($"/api/v1/workflows/{name}"))["workflow"]!["version"];
            Assert.NotNull(versions[name]);
        }

        foreach (var (name, bytes) in Hostile)
        {
            await File.WriteAllBytesAsync(Path.Combine(Workflows, name + ".json"), bytes);
        }

        await File.WriteAllTextAsync(Path.Combine(Workflows, "after.json"), Valid("after"));
        await server.WaitUntilAsync(async () => (await server.Client.GetAsync("/api/v1/workflows/after")).IsSuccessStatusCode, () => "the file written after the hostile ones loading");
        var errors = new Dictionary<string, JsonNode>();
        await server.WaitUntilAsync(async () =>
        {
            foreach (var name in Hostile.Keys)
            {
                var detail = await server.GetJsonAsync($"/api/v1/workflows/{name}");
                if (detail["errors"]!.AsArray() is [{ } error])
                {
                    errors[name] = error;
                }
            }

            return errors.Count == Hostile.Count;
        }, () => $"every hostile file's errors shown; so far {string.Join(", ", errors.Keys)}");

        Assert.False(server.App.Lifetime.ApplicationStopping.IsCancellationRequested, "the node is stopping");
        Assert.Equal(("JSON003", 1, 51), Located(errors["surrogate"]));
        Assert.Equal(("JSON002", 1, 38), Located(errors["latin1"]));
        Assert.Equal(("WF018", 2, 76), Located(errors["backtracking"]));
        foreach (var name in Hostile.Keys)
        {
            var detail = await server.GetJsonAsync($"/api/v1/workflows/{name}");
            Assert.Equal(versions[name], (string?)detail["workflow"]!["version"]);
            Assert.True((bool?)detail["workflow"]!["active"]);
            using var run = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{name}/runs", new { });
            Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        }
    }

    [Fact]
    public async Task Watcher_LoadsAFileChangedDuringADatabaseOutage_OnceTheDatabaseIsBack()
    {
        await using var cluster = await PostgresCluster.StartOwnAsync();
        var log = new LogCapture();
        Directory.CreateDirectory(Workflows);
        await File.WriteAllTextAsync(Path.Combine(Workflows, "changing.json"), Valid("changing", "first"));
        await using var server = await TestServer.StartAsync(_root, DatabaseProvider.Postgres, settings: new Dictionary<string, string?>
        {
            ["Orchestrator:Database:Provider"] = "postgresql",
            ["Orchestrator:Database:ConnectionString"] = await cluster.CreateDatabaseAsync("outage"),
            ["Logging:LogLevel:Orchestrator.Server.Workflows"] = "Warning",
            ["Logging:LogLevel:Microsoft.Extensions.Hosting"] = "Error",
        }, services: s => s.AddSingleton<ILoggerProvider>(log));
        var before = (string?)(await server.GetJsonAsync("/api/v1/workflows/changing"))["workflow"]!["version"];
        Assert.NotNull(before);

        await cluster.StopServerAsync();
        await File.WriteAllTextAsync(Path.Combine(Workflows, "changing.json"), Valid("changing", "second"));
        var stopping = server.App.Lifetime.ApplicationStopping;
        await server.WaitUntilAsync(
            () => Task.FromResult(stopping.IsCancellationRequested || log.Messages.Any(m => m.Contains("changing.json", StringComparison.Ordinal))),
            () => "the watcher trying to load the changed file while the database is down");
        Assert.False(stopping.IsCancellationRequested, "the node is stopping:\n" + string.Join("\n", log.Messages.Where(m => m.StartsWith("Error", StringComparison.Ordinal) || m.StartsWith("Critical", StringComparison.Ordinal))));
        Assert.Contains(log.Messages, m => m.Contains("changing.json could not be loaded", StringComparison.Ordinal));
        await cluster.StartServerAsync();

        string? after = null;
        await server.WaitUntilAsync(async () =>
        {
            using var response = await server.Client.GetAsync("/api/v1/workflows/changing");
            after = response.IsSuccessStatusCode ? (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["workflow"]!["version"] : null;
            return after is not null && after != before;
        }, () => "the changed file loading after the database came back");
        Assert.False(stopping.IsCancellationRequested, "the node is stopping");
        var definition = await server.GetJsonAsync("/api/v1/workflows/changing");
        Assert.Equal("second", (string?)definition["definition"]!["tasks"]![0]!["id"]);
    }

    private static (string?, int?, int?) Located(JsonNode error) => ((string?)error["code"], (int?)error["line"], (int?)error["column"]);
}
