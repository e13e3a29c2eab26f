using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Core.Tests.Support;

/// <summary>A real Kestrel server on a free loopback port, with endpoints the HTTP activity tests call.</summary>
public sealed class LocalHttpServer : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _hangingRequests = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    /// <summary>Completes when the request to <c>/hang/{id}</c> reached the server.</summary>
    public Task HangingRequestArrived(string id) => HangingRequest(id).Task;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();

        app.MapGet("/json", () => Results.Json(new { name = "orchestrator", tasks = 3 }));
        app.MapGet("/text", () => Results.Text("plain words"));
        app.MapGet("/status/{code:int}", (int code) => Results.Text($"status {code} body", statusCode: code));
        app.MapGet("/bytes/{count:int}", (int count) => Results.Text(new string('a', count)));
        app.MapMethods("/echo", ["POST", "PUT"], async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Json(new
            {
                method = request.Method,
                contentType = request.ContentType,
                body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted),
                headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            });
        });
        app.MapGet("/hang/{id}", async (string id, HttpContext context) =>
        {
            HangingRequest(id).TrySetResult();
            // Answers only when the client goes away.
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        BaseAddress = new Uri(address);
        _app = app;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private TaskCompletionSource HangingRequest(string id)
        => _hangingRequests.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
