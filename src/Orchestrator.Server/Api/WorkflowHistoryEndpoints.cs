using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/workflows/{id}/grid</c> and <c>/versions</c>: a workflow's recent runs by task, and its history of definitions.</summary>
public static class WorkflowHistoryEndpoints
{
    public const int DefaultGridRuns = 25;
    public const int MaxGridRuns = 100;

    public static RouteGroupBuilder MapWorkflowHistoryEndpoints(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows");
        workflows.MapGet("/{id}/grid", GridAsync).WithName("getWorkflowGrid")
            .WithSummary("The newest runs (columns) by task (rows): each task instance's state, attempts and times, in two queries.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        workflows.MapGet("/{id}/versions", VersionsAsync).WithName("listWorkflowVersions")
            .WithSummary("The workflow's versions, newest first, and which one is active.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        workflows.MapGet("/{id}/versions/{version}", VersionAsync).WithName("getWorkflowVersion")
            .WithSummary("One version's definition as it was stored.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Results<Ok<GridDto>, ProblemHttpResult>> GridAsync(
        string id, WorkflowCatalog catalog, IRunHistory history, CancellationToken ct, [FromQuery] int runs = DefaultGridRuns)
    {
        if (catalog.Find(id) is not { } entry)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        if (runs is < 1 or > MaxGridRuns)
        {
            return Problems.BadRequest($"runs must be between 1 and {MaxGridRuns}", "invalid-range");
        }

        var grid = await history.GridAsync(id, runs, ct);
        var cells = grid.Cells.ToLookup(c => c.RunId);
        return TypedResults.Ok(new GridDto(
            GridTasks(entry, grid.Runs.Select(r => r.WorkflowVersion).Distinct(StringComparer.Ordinal), catalog),
            grid.Runs.Select(r => new GridRunDto(
                r.Id, r.Kind, r.State, r.LogicalDate, r.CreatedAt, r.StartedAt, r.EndedAt, r.WorkflowVersion,
                cells[r.Id].ToDictionary(c => c.TaskId, c => new GridCellDto(c.State, c.Attempts, c.StartedAt, c.EndedAt), StringComparer.Ordinal)))
                .ToList()));
    }

    /// <summary>The active version's tasks in written order, then tasks that only older versions in the grid had.</summary>
    private static List<GridTaskDto> GridTasks(WorkflowEntry entry, IEnumerable<string> versions, WorkflowCatalog catalog)
    {
        var tasks = new List<GridTaskDto>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var definitions = new[] { entry.Plan?.Definition }
            .Concat(versions.Where(v => v != entry.Plan?.Version).Select(v => catalog.Find(entry.WorkflowId, v)?.Definition));
        foreach (var task in definitions.OfType<WorkflowDefinition>().SelectMany(d => d.Tasks))
        {
            if (seen.Add(task.Id))
            {
                tasks.Add(new GridTaskDto(task.Id, task.Activity, task.DependsOn ?? [], task.TriggerRule ?? TriggerRule.AllSuccess));
            }
        }

        return tasks;
    }

    private static async Task<Results<Ok<List<VersionDto>>, ProblemHttpResult>> VersionsAsync(
        string id, WorkflowCatalog catalog, IWorkflowVersionStore versions, CancellationToken ct)
    {
        if (catalog.Find(id) is not { } entry)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        return TypedResults.Ok(VersionDto.List(await versions.ListAsync(id, ct), entry));
    }

    private static async Task<Results<Ok<WorkflowVersionDto>, ProblemHttpResult>> VersionAsync(
        string id, string version, WorkflowCatalog catalog, IWorkflowVersionStore versions, CancellationToken ct)
    {
        if (catalog.Find(id) is not { } entry)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        if (await versions.FindAsync(id, version, ct) is not { } stored)
        {
            return Problems.NotFound($"workflow '{id}' has no version '{version}'");
        }

        using var definition = JsonDocument.Parse(stored.DefinitionJson);
        return TypedResults.Ok(new WorkflowVersionDto(stored.Version, stored.CreatedAt, stored.Version == entry.Plan?.Version, definition.RootElement.Clone()));
    }
}

/// <summary>The grid of a workflow: its tasks (rows) and newest runs (columns) with a cell per task instance.</summary>
public sealed record GridDto(IReadOnlyList<GridTaskDto> Tasks, IReadOnlyList<GridRunDto> Runs);

public sealed record GridTaskDto(string Id, string Activity, IReadOnlyList<string> DependsOn, TriggerRule TriggerRule);

/// <summary>A run of the grid; <c>cells</c> maps task ids to their instance in this run.</summary>
public sealed record GridRunDto(
    Guid Id,
    RunKind Kind,
    RunState State,
    DateTimeOffset LogicalDate,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string Version,
    IReadOnlyDictionary<string, GridCellDto> Cells);

public sealed record GridCellDto(TaskState State, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

/// <summary>One stored version with its definition, as the file was when the version was made.</summary>
public sealed record WorkflowVersionDto(string Version, DateTimeOffset CreatedAt, bool Active, JsonElement Definition);
