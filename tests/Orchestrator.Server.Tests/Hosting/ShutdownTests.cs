using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>Stopping a node while clients follow its live streams.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-shutdown-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Stop_EndsTheEventStreamCleanly_WhenAClientIsStillConnected()
    {
        await using var server = await TestServer.StartAsync(_root);
        using var response = await server.Client.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var stopping = server.App.StopAsync();

        // A clean end of the stream, not a connection the host had to reset after its shutdown timeout.
        Assert.Equal("", await reader.ReadToEndAsync());
        await stopping;
    }
}
