using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Orchestrator.Server.Hosting;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>Connections come from configuration, are listed by the API with secrets masked, and a bad one stops the start.</summary>
public sealed class ConnectionSettingsTests
{
    [Fact]
    public async Task Connections_ListConfiguredAndDefaultConnections_WithSecretsMasked()
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-connections-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync(root, settings: new Dictionary<string, string?>
            {
                ["Orchestrator:Connections:warehouse:uri"] = "postgresql://etl:hunter22@127.0.0.1:5432/dwh",
            });

            var body = await server.Client.GetStringAsync("/api/v1/connections");
            var connections = JsonNode.Parse(body)!.AsArray();

            Assert.DoesNotContain("hunter22", body, StringComparison.Ordinal);
            var warehouse = Assert.Single(connections, c => (string?)c!["name"] == "warehouse")!;
            Assert.Equal("postgresql", (string?)warehouse["type"]);
            Assert.Equal("***", (string?)warehouse["settings"]!["password"]);
            Assert.Equal("etl", (string?)warehouse["settings"]!["username"]);
            Assert.Contains(connections, c => (string?)c!["name"] == "events" && (string?)c["type"] == "local");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Build_Fails_NamingTheEntry_WhenAConnectionHasNoType()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Orchestrator:Connections:lake:endpoint"] = "http://127.0.0.1:9000" })));

        Assert.Contains("Orchestrator:Connections:lake", error.Message, StringComparison.Ordinal);
        Assert.Contains("set a type", error.Message, StringComparison.Ordinal);
    }
}
