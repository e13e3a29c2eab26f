using System.Net;
using Orchestrator.Server.Tests.Cluster;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// Whether API keys are required is decided from the addresses the server actually bound, whatever configured them
/// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, Kestrel endpoints): the real server process, started as users start it.
/// </summary>
public sealed class ListenAddressTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const string Key = "listen-test-key-0123456789";

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-listen-").FullName;

    [Theory]
    [InlineData("kestrel endpoint")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("--urls")]
    public async Task Start_Refuses_WhenTheServerListensOnEveryInterfaceWithoutKeys(string configuredBy)
    {
        var port = LoopbackPorts.Free();
        var url = $"http://0.0.0.0:{port}";
        await using var node = configuredBy switch
        {
            "kestrel endpoint" => Start(new() { ["Kestrel__Endpoints__Http__Url"] = url }),
            "ASPNETCORE_URLS" => Start(new() { ["ASPNETCORE_URLS"] = url }),
            _ => Start([], ["--urls", url]),
        };

        var exitCode = await node.WaitForExitAsync(Patience);

        Assert.True(exitCode != 0, $"the server exited with 0:\n{node.Output}");
        var error = Assert.Single(node.ErrorLines, l => l.Trim().Length > 0);
        Assert.Contains($"http://0.0.0.0:{port}", error, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Security:ApiKeys", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_RequiresTheKey_WhenAKestrelEndpointListensOnEveryInterface()
    {
        await using var node = Start(new()
        {
            ["Kestrel__Endpoints__Http__Url"] = $"http://0.0.0.0:{LoopbackPorts.Free()}",
            ["Orchestrator__Security__ApiKeys__0__Key"] = Key,
            ["Orchestrator__Security__ApiKeys__0__Role"] = "Admin",
        });
        await node.WaitUntilReadyAsync(Patience);

        using (var anonymous = await node.Client.GetAsync("/api/v1/workflows"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var trigger = await node.Client.PostAsync("/api/v1/workflows/none/runs", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, trigger.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workflows");
        request.Headers.Add("X-Api-Key", Key);
        using var authorized = await node.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }

    [Fact]
    public async Task Api_AllowsAnonymousCalls_WhenAKestrelEndpointListensOnLoopbackWithoutKeys()
    {
        await using var node = Start(new() { ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{LoopbackPorts.Free()}" });
        await node.WaitUntilReadyAsync(Patience);

        using var anonymous = await node.Client.GetAsync("/api/v1/workflows");

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // No --urls unless given: the settings alone decide where the server listens, as for a user who configures only them.
    private ServerNode Start(Dictionary<string, string> settings, IReadOnlyList<string>? arguments = null)
    {
        var workingDirectory = Directory.CreateDirectory(Path.Combine(_root, "node")).FullName;
        Directory.CreateDirectory(Path.Combine(workingDirectory, "workflows"));
        return ServerNode.Start("listen", workingDirectory, settings, arguments ?? []);
    }
}
