using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orchestrator.Server.Hosting;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>Settings are checked when the server starts, and a wrong one stops it with a message naming it.</summary>
public sealed class OptionsTests
{
    [Theory]
    [InlineData("00:00:02", "00:00:01")]
    [InlineData("00:00:20", "00:00:10")]
    public async Task Start_Fails_WhenTheLeaseIsShorterThanThreeHeartbeats(string lease, string heartbeat)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Orchestrator:Workers:LeaseDuration"] = lease,
            ["Orchestrator:Workers:HeartbeatInterval"] = heartbeat,
        }));

        Assert.Contains("LeaseDuration", error.Message, StringComparison.Ordinal);
        Assert.Contains("three times HeartbeatInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Fails_WhenPostgresqlHasNoConnectionString()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Orchestrator:Database:Provider"] = "postgresql" })));

        Assert.Contains("Orchestrator:Database:ConnectionString", error.Message, StringComparison.Ordinal);
    }

    private static async Task StartAsync(Dictionary<string, string?> settings)
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-options-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync(root, settings: settings);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
