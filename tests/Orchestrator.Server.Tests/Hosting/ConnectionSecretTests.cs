using System.Text;
using Orchestrator.Server.Tests.Cluster;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// A connection whose password holds '@' and the other characters that end URI parts never shows any part of the
/// password: not in the server's console, not in any API answer about a run that used it.
/// </summary>
public sealed class ConnectionSecretTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    // '@' and ':' and '#' as people write them, '/', '?' and '%' percent-encoded as URIs need.
    private const string Password = "Qv@Zk:Jw/Xq?Kj#Wz%Vy";
    private const string Written = "Qv@Zk:Jw%2FXq%3FKj#Wz%25Vy";

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-secret-").FullName;

    [Fact]
    public async Task NoLogLineNorApiAnswer_ShowsAnyPartOfThePassword_WhenATaskUsedTheConnection()
    {
        var workingDirectory = Directory.CreateDirectory(Path.Combine(_root, "node")).FullName;
        var workflows = Directory.CreateDirectory(Path.Combine(workingDirectory, "workflows")).FullName;
        await File.WriteAllTextAsync(Path.Combine(workflows, "leak.json"), """
            {
              "id": "leak",
              "defaults": { "retries": 1, "retryDelay": "PT1S" },
              "tasks": [ { "id": "query", "activity": "sql.execute", "with": { "connection": "pg", "sql": "select 1" } } ]
            }
            """);

        // Nothing listens on that port: every attempt fails while connecting, with the connection in its message.
        var uri = $"postgres://etl:{Written}@127.0.0.1:{LoopbackPorts.Free()}/dwh?sslmode=disable";
        await using var node = ServerNode.Start("secret", workingDirectory, new Dictionary<string, string> { ["ORCHESTRATOR_CONN_PG"] = uri });
        await node.WaitUntilReadyAsync(Patience);

        var answers = new StringBuilder();
        var runId = (string)(await node.PostAsync("/api/v1/workflows/leak/runs", "{}", System.Net.HttpStatusCode.Created))["id"]!;
        var deadline = DateTime.UtcNow + Patience;
        string run;
        while (true)
        {
            run = (await node.GetAsync($"/api/v1/runs/{runId}")).ToJsonString();
            if (run.Contains("\"state\":\"failed\"", StringComparison.Ordinal) && run.Contains("\"attempts\":2", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} did not fail twice within {Patience.TotalSeconds} s: {run}\n{node.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        answers.AppendLine(run);
        foreach (var path in new[]
                 {
                     $"/api/v1/runs/{runId}/tasks/query/logs", $"/api/v1/runs/{runId}/tasks/query/logs?attempt=1", "/api/v1/runs?workflowId=leak",
                     "/api/v1/connections", "/api/v1/workflows/leak", "/api/v1/workflows",
                 })
        {
            answers.AppendLine((await node.GetAsync(path)).ToJsonString());
        }

        // The failure reached the task's log and the catalog lists the connection: the answers show it, masked.
        Assert.Contains("cannot open pg (postgresql: database=dwh, host=127.0.0.1, password=***", answers.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"password\":\"***\"", answers.ToString(), StringComparison.Ordinal);
        AssertShowsNoPartOfThePassword(answers.ToString(), "API answers");
        AssertShowsNoPartOfThePassword(node.Output, "server console");
    }

    [Fact]
    public async Task Start_NamesTheBadConnectionWithoutAnyPartOfThePassword_WhenItsUriNamesNoHost()
    {
        var workingDirectory = Directory.CreateDirectory(Path.Combine(_root, "bad")).FullName;
        Directory.CreateDirectory(Path.Combine(workingDirectory, "workflows"));
        await using var node = ServerNode.Start("bad", workingDirectory, new Dictionary<string, string> { ["ORCHESTRATOR_CONN_PG"] = $"postgres://etl:{Written}@/dwh" });

        Assert.NotEqual(0, await node.WaitForExitAsync(Patience));
        Assert.Contains("connection 'pg'", node.Output, StringComparison.Ordinal);
        Assert.Contains("names no host", node.Output, StringComparison.Ordinal);
        AssertShowsNoPartOfThePassword(node.Output, "server console");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>No 4-character fragment of the password, as it is, as written in the URI or JSON-escaped.</summary>
    private static void AssertShowsNoPartOfThePassword(string text, string where)
    {
        foreach (var secret in new[] { Password, Written, System.Text.Json.JsonSerializer.Serialize(Password).Trim('"') })
        {
            for (var start = 0; start + 4 <= secret.Length; start++)
            {
                var fragment = secret.Substring(start, 4);
                Assert.False(text.Contains(fragment, StringComparison.Ordinal), $"the {where} show '{fragment}' of the password:\n{text}");
            }
        }
    }
}
