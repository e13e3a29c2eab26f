using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Activities;
using Orchestrator.Engine;
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
            .WithTags("Activities").WithSummary("Activity types with their input and output JSON Schemas.");

        api.MapGet("/events", Events).WithTags("Runs")
            .WithSummary("Server-Sent Events of run and task state changes (add ?logs=true for task log lines).");
        return api;
    }

    private static ServerSentEventsResult<RunEvent> Events(RunEventHub hub, HttpContext context, bool logs = false)
    {
        async IAsyncEnumerable<SseItem<RunEvent>> Stream([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var runEvent in hub.SubscribeAsync(ct))
            {
                if (runEvent is RunWaiting || (!logs && runEvent is TaskLogWritten))
                {
                    continue;
                }

                yield return new SseItem<RunEvent>(runEvent, EventName(runEvent));
            }
        }

        return TypedResults.ServerSentEvents(Stream(context.RequestAborted));
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
