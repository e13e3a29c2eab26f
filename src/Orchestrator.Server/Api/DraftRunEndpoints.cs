using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Core.Json;
using Orchestrator.Core.Validation;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary><c>POST /api/v1/runs</c>: runs an unsaved definition once (the designer's test run).</summary>
public static class DraftRunEndpoints
{
    public static RouteGroupBuilder MapDraftRunEndpoints(this RouteGroupBuilder api)
    {
        // The body is read as bytes so that the definition's errors are located in its own text.
        api.MapPost("/runs", LaunchAsync).WithName("runDraft").WithTags("Runs")
            .WithSummary("Runs a definition that is not saved, once, as a draft run: validated, its version recorded, no file written, schedules untouched.")
            .Accepts<DraftRunRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .RequireRole(Security.ApiPolicies.Editor);
        return api;
    }

    private static async Task<Results<Created<RunDto>, ProblemHttpResult>> LaunchAsync(
        HttpRequest request, WorkflowValidator validator, WorkflowCatalog catalog, RunLauncher launcher, CancellationToken ct)
    {
        JsonElement definition;
        Dictionary<string, JsonElement>? parameters = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("definition", out var found) || found.ValueKind != JsonValueKind.Object)
            {
                return Problems.BadRequest("the body must be an object with a 'definition' object (and optionally 'params')", "invalid-body");
            }

            definition = found.Clone();
            if (document.RootElement.TryGetProperty("params", out var values) && values.ValueKind != JsonValueKind.Null)
            {
                if (values.ValueKind != JsonValueKind.Object)
                {
                    return Problems.BadRequest("'params' must be an object", "invalid-body");
                }

                parameters = values.Deserialize(OrchestratorJsonContext.Default.DictionaryStringJsonElement);
            }
        }
        catch (JsonException e)
        {
            return Problems.BadRequest($"the body is not JSON: {e.Message}", "invalid-body");
        }

        var result = validator.Validate("definition.json", Encoding.UTF8.GetBytes(definition.GetRawText()));
        if (!result.IsValid)
        {
            return Problems.InvalidWorkflow(result.Diagnostics);
        }

        var plan = await catalog.RecordDraftAsync(result.Definition!, ct);
        var launched = await launcher.LaunchDraftAsync(plan, parameters, ct);
        return launched.Run is { } run
            ? TypedResults.Created($"/api/v1/runs/{run.Id}", RunDto.From(run))
            : WorkflowEndpoints.Failure(launched);
    }
}
