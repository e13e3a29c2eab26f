using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Observability;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/activities</c> (the catalog) and <c>/api/v1/events</c> (live run events over SSE).</summary>
public static class CatalogEndpoints
{
    public static RouteGroupBuilder MapCatalogEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/activities", (ActivityRegistry registry) => TypedResults.Ok(registry.All.Select(a => new ActivityDto(
            a.Type, a.Category, a.Description,
            JsonSerializer.SerializeToElement(a.InputSchema),
            JsonSerializer.SerializeToElement(a.OutputSchema))).ToList()))
            .WithName("listActivities").WithTags("Activities").WithSummary("Activity types with their input and output JSON Schemas.");

        api.MapGet("/connections", (Core.Connections.ConnectionCatalog connections) => TypedResults.Ok(connections.All
                .Select(c => new ConnectionDto(c.Name, c.Type, c.MaskedSettings.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value)))
                .ToList()))
            .WithName("listConnections").WithTags("Connections").WithSummary("The named connections of the server, secrets masked.");

        api.MapGet("/events", EventsAsync).WithName("streamEvents").WithTags("Runs")
            .Produces<SseItem<RunEvent>>(StatusCodes.Status200OK, "text/event-stream")
            .WithSummary("Server-Sent Events of run and task state changes (add ?logs=true for task log lines).");
        return api;
    }

    private static async Task EventsAsync(RunEventHub hub, HttpContext context, IOptions<JsonOptions> json, IHostApplicationLifetime lifetime, bool logs = false)
    {
        var ct = context.RequestAborted;
        using var subscription = hub.Subscribe();

        // The headers go out only once subscribed, without waiting for a first event: a client holding the response
        // sees every later event, so it can open the stream, then trigger a run or read state, and miss nothing.
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        await context.Response.Body.FlushAsync(ct);

        var typeInfo = json.Value.SerializerOptions.GetTypeInfo(typeof(RunEvent));
        await SseFormatter.WriteAsync(Items(subscription, logs, ct).UntilStopping(lifetime.ApplicationStopping, ct), context.Response.Body, (item, buffer) =>
        {
            using var writer = new Utf8JsonWriter(buffer);
            JsonSerializer.Serialize(writer, item.Data, typeInfo);
        }, ct);
    }

    private static async IAsyncEnumerable<SseItem<RunEvent>> Items(
        RunEventHub.Subscription subscription, bool logs, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var runEvent in subscription.ReadAllAsync(ct))
        {
            if (runEvent is RunWaiting || (!logs && runEvent is TaskLogWritten))
            {
                continue;
            }

            yield return new SseItem<RunEvent>(runEvent, EventName(runEvent));
        }
    }

    private static string EventName(RunEvent runEvent) => runEvent switch
    {
        RunStateChanged => "run",
        TaskStateChanged => "task",
        AttemptStarted => "attempt_started",
        AttemptEnded => "attempt_ended",
        TaskLogWritten => "log",
        _ => "event",
    };
}

/// <summary>A named connection as the API shows it: settings with secrets replaced by ***.</summary>
public sealed record ConnectionDto(string Name, string Type, IReadOnlyDictionary<string, string> Settings);
