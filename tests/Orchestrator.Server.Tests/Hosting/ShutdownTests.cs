using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>Stopping a node while clients follow its live streams.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-shutdown-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Stop_EndsTheEventStreamCleanly_WhenAClientIsStillConnected()
    {
        await using var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = Path.Combine(_root, "workflows"),
            ["Logging:LogLevel:Default"] = "None",
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout.InfiniteTimeSpan };
        using var response = await client.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var stopping = app.StopAsync();

        // A clean end of the stream, not a connection the host had to reset after its shutdown timeout.
        Assert.Equal("", await reader.ReadToEndAsync());
        await stopping;
    }
}
