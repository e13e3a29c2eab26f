using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/alerts</c>: the alert history with delivery attempts, and a test message per channel.</summary>
public static class AlertEndpoints
{
    public static RouteGroupBuilder MapAlertEndpoints(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("/", ListAsync).WithName("listAlerts").WithSummary("Alerts, newest first, filtered by workflow, run, event, state and channel; pass nextCursor as cursor for the next page.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        alerts.MapGet("/{id:guid}", GetAsync).WithName("getAlert").WithSummary("An alert with its delivery attempts and the repeats throttled into it.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        alerts.MapGet("/channels", Channels).WithName("listAlertChannels").WithSummary("The configured channels, their settings with secrets masked.");
        alerts.MapPost("/channels/{channel}/test", TestAsync).WithName("testAlertChannel")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway)
            .RequireRole(Security.ApiPolicies.Operator)
            .WithSummary("Sends a test message to a channel (email:name or slack:name) and reports the outcome.");
        return api;
    }

    private static async Task<Results<Ok<PageDto<AlertDto>>, ProblemHttpResult>> ListAsync(
        IAlertOutbox outbox, [FromQuery] string? workflowId, [FromQuery] Guid? runId, [FromQuery(Name = "event")] string? alertEvent,
        [FromQuery] string? state, [FromQuery] string? channel, CancellationToken ct, [FromQuery] string? cursor = null, [FromQuery] int take = 50)
    {
        AlertEvent? eventFilter = null;
        if (alertEvent is not null)
        {
            if (!WireNames.TryParse<AlertEvent>(alertEvent, out var parsed))
            {
                return Problems.BadRequest($"unknown alert event '{alertEvent}'", "invalid-filter");
            }

            eventFilter = parsed;
        }

        AlertState? stateFilter = null;
        if (state is not null)
        {
            if (!WireNames.TryParse<AlertState>(state, out var parsed))
            {
                return Problems.BadRequest($"unknown alert state '{state}'", "invalid-filter");
            }

            stateFilter = parsed;
        }

        if (Problems.InvalidPage(cursor, take, out var page) is { } invalidPage)
        {
            return invalidPage;
        }

        var list = await outbox.ListAsync(new AlertFilter(workflowId, runId, eventFilter, stateFilter, channel), page, ct);
        return TypedResults.Ok(PageDto<AlertDto>.From(list, page.Take - 1, AlertDto.From, a => new ListCursor(a.OccurredAt, a.Id)));
    }

    private static async Task<Results<Ok<AlertDetailDto>, ProblemHttpResult>> GetAsync(Guid id, IAlertOutbox outbox, CancellationToken ct)
        => await outbox.FindAsync(id, ct) is { } details
            ? TypedResults.Ok(new AlertDetailDto(
                AlertDto.From(details.Alert),
                details.Deliveries.Select(d => new AlertDeliveryDto(d.Number, d.Node, d.StartedAt, d.EndedAt, d.Sent, d.Error)).ToList(),
                details.Throttled.Select(AlertDto.From).ToList()))
            : Problems.NotFound($"alert {id} does not exist");

    private static Ok<IReadOnlyList<AlertChannelDto>> Channels(AlertChannelCatalog catalog)
        => TypedResults.Ok<IReadOnlyList<AlertChannelDto>>(catalog.All
            .Select(c => new AlertChannelDto(c.Reference, c.Name, c.Kind, c.MaskedSettings)).ToList());

    private static async Task<Results<Ok<AlertTestDto>, ProblemHttpResult>> TestAsync(
        string channel, AlertChannelCatalog catalog, IAlertNotifier notifier, TimeProvider time, Microsoft.Extensions.Options.IOptions<Hosting.OrchestratorOptions> server,
        CancellationToken ct)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(channel, ChannelReference.Pattern))
        {
            return Problems.BadRequest($"'{channel}' is not a channel reference: write email:<name> or slack:<name>", "invalid-channel");
        }

        OutgoingAlert message;
        try
        {
            message = OutgoingAlert.Test(catalog.Resolve(channel).Reference, "the server's test endpoint", time.GetUtcNow(), server.Value.PublicUrl);
        }
        catch (AlertDeliveryException e)
        {
            return Problems.NotFound(e.Message);
        }

        try
        {
            await notifier.SendAsync(channel, message, ct);
        }
        catch (AlertDeliveryException e)
        {
            return TypedResults.Problem(title: "Delivery failed", detail: e.Message, statusCode: StatusCodes.Status502BadGateway,
                type: "https://orchestrator.dev/problems/delivery-failed", extensions: new Dictionary<string, object?> { ["transient"] = e.Transient });
        }

        return TypedResults.Ok(new AlertTestDto(channel, true, message.Alert.Key));
    }
}

public sealed record AlertDto(
    Guid Id,
    string Key,
    AlertEvent Event,
    string Channel,
    string WorkflowId,
    Guid? RunId,
    string? TaskId,
    int? Attempt,
    DateTimeOffset? LogicalDate,
    DateTimeOffset OccurredAt,
    string? Error,
    string? Detail,
    AlertState State,
    int Deliveries,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? SentAt,
    string? LastError,
    Guid? GroupId,
    int Occurrences)
{
    public static AlertDto From(AlertRecord a) => new(a.Id, a.Key, a.Event, a.Channel, a.WorkflowId, a.RunId, a.TaskId, a.Attempt, a.LogicalDate,
        a.OccurredAt, a.Error, a.Detail, a.State, a.Deliveries, a.NextAttemptAt, a.SentAt, a.LastError, a.GroupId, a.Occurrences);
}

public sealed record AlertDeliveryDto(int Number, string Node, DateTimeOffset StartedAt, DateTimeOffset EndedAt, bool Sent, string? Error);

public sealed record AlertDetailDto(AlertDto Alert, IReadOnlyList<AlertDeliveryDto> Deliveries, IReadOnlyList<AlertDto> Throttled);

public sealed record AlertTestDto(string Channel, bool Sent, string Key);

public sealed record AlertChannelDto(string Reference, string Name, string Kind, IReadOnlyDictionary<string, string> Settings);
