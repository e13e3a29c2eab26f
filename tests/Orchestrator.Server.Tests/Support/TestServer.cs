using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Support;

/// <summary>
/// One real server in this process, over a directory the test owns (<c>data/</c> and <c>workflows/</c> in it), so
/// that a test can stop it, start another on the same database, or give it a clock and settings of its own.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private TestServer(WebApplication app)
    {
        App = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = Patience };
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// Starts the server on <paramref name="provider"/> and waits until it is ready (workflows scheduled, catch-up
    /// done). <paramref name="services"/> may replace services after the server registered its own.
    /// </summary>
    public static async Task<TestServer> StartAsync(
        string root,
        DatabaseProvider provider = DatabaseProvider.Sqlite,
        TimeProvider? clock = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>(await ServerDatabase.SettingsAsync(provider, "node"))
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = Path.Combine(root, "workflows"),
            ["Orchestrator:Workers:PollInterval"] = "00:00:00.200",
            ["Orchestrator:Workers:ShutdownGrace"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "None",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        Directory.CreateDirectory(Path.Combine(root, "workflows"));
        var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }

            services?.Invoke(builder.Services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        ServerDatabase.AssertInUse(provider, app.Services);
        var server = new TestServer(app);
        await server.WaitUntilAsync(async () => (await server.Client.GetAsync("/health/ready")).IsSuccessStatusCode, () => "the server is ready");
        return server;
    }

    /// <summary><c>GET</c> of a JSON document; the test fails unless it is 200.</summary>
    public async Task<JsonNode> GetJsonAsync(string path) => JsonNode.Parse(await Client.GetStringAsync(path))!;

    /// <summary>Polls with a deadline; for effects that publish no event to wait on.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"not within {Patience.TotalSeconds} s: {what()}");
            await Task.Delay(50, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync(); // closes the pooled connections to the database file
    }
}
