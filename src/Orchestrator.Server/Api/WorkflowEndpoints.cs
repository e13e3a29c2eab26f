using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/workflows</c>: list, detail, pause, trigger, backfill; <c>/api/v1/validate</c>. Saving is in <see cref="WorkflowFileEndpoints"/>.</summary>
public static class WorkflowEndpoints
{
    public static RouteGroupBuilder MapWorkflowEndpoints(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows");
        workflows.MapGet("/", ListAsync).WithName("listWorkflows").WithSummary("Workflows with schedule, paused, next run, last run and newest runs.");
        workflows.MapGet("/{id}", GetAsync).WithName("getWorkflow").WithSummary("A workflow with its definition, versions and validation errors.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        workflows.MapPost("/{id}/pause", (string id, IWorkflowStateStore states, WorkflowCatalog catalog, WorkflowScheduler scheduler, Triggers.TriggerService triggers, CancellationToken ct)
            => SetPausedAsync(id, true, states, catalog, scheduler, triggers, ct)).WithName("pauseWorkflow")
            .WithSummary("Stops scheduling new runs and consuming the workflow's triggers.")
            .ProducesProblem(StatusCodes.Status404NotFound).RequireRole(Security.ApiPolicies.Operator);
        workflows.MapPost("/{id}/unpause", (string id, IWorkflowStateStore states, WorkflowCatalog catalog, WorkflowScheduler scheduler, Triggers.TriggerService triggers, CancellationToken ct)
            => SetPausedAsync(id, false, states, catalog, scheduler, triggers, ct)).WithName("unpauseWorkflow")
            .WithSummary("Resumes scheduling (catching up if the workflow says so).")
            .ProducesProblem(StatusCodes.Status404NotFound).RequireRole(Security.ApiPolicies.Operator);
        workflows.MapGet("/{id}/triggers", Triggers).WithName("listWorkflowTriggers")
            .WithSummary("The workflow's triggers as this node runs them: running, consuming, last error.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        workflows.MapPost("/{id}/runs", TriggerAsync).WithName("triggerRun").WithSummary("Triggers a manual run with params.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRole(Security.ApiPolicies.Operator);
        workflows.MapPost("/{id}/backfill", BackfillAsync).WithName("backfillWorkflow").WithSummary("Creates one run per data interval between from and to.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRole(Security.ApiPolicies.Operator);
        api.MapPost("/validate", ValidateAsync).WithName("validateWorkflow").WithTags("Workflows").WithSummary("Validates a definition; returns located errors.")
            .Accepts<WorkflowDefinition>("application/json");
        return api;
    }

    /// <summary>How many of each workflow's newest runs the list and the detail show.</summary>
    public const int RecentRuns = 10;

    private static async Task<Ok<List<WorkflowSummaryDto>>> ListAsync(WorkflowCatalog catalog, IWorkflowStateStore states, IRunHistory history, WorkflowScheduler scheduler, CancellationToken ct)
    {
        var paused = await states.PausedAsync(ct);
        var recent = await history.RecentRunsAsync(RecentRuns, ct);
        var list = new List<WorkflowSummaryDto>();
        foreach (var entry in catalog.Workflows)
        {
            var runs = recent.TryGetValue(entry.WorkflowId, out var found) ? found.Select(RunSummaryDto.From).ToList() : [];
            list.Add(await SummaryAsync(entry, paused, runs, scheduler, ct));
        }

        return TypedResults.Ok(list);
    }

    /// <summary>The detail, with the version of the definition it shows as <c>ETag</c> (what a save sends back as <c>If-Match</c>).</summary>
    internal static async Task<Results<Ok<WorkflowDetailDto>, ProblemHttpResult>> GetAsync(
        string id, HttpResponse response, WorkflowCatalog catalog, IWorkflowStateStore states, IRunStore runs, IWorkflowVersionStore versions, WorkflowScheduler scheduler, CancellationToken ct)
    {
        var entry = catalog.Find(id);
        if (entry is null)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        var recent = await runs.ListAsync(new RunFilter(id), new Page(0, RecentRuns), ct);
        var summary = await SummaryAsync(entry, await states.PausedAsync(ct), recent.Select(RunSummaryDto.From).ToList(), scheduler, ct);
        var history = await versions.ListAsync(id, ct);
        if (entry.Plan is { } plan)
        {
            response.Headers.ETag = WorkflowVersionTag.Of(plan.Version);
        }

        return TypedResults.Ok(new WorkflowDetailDto(summary, entry.Plan?.Definition,
            VersionDto.List(history, entry),
            entry.Errors.Select(DiagnosticDto.From).ToList()));
    }

    private static async Task<Ok<ValidationDto>> ValidateAsync(HttpRequest request, WorkflowValidator validator, CancellationToken ct)
    {
        var result = validator.Validate("request.json", await ReadBodyAsync(request, ct));
        return TypedResults.Ok(new ValidationDto(result.IsValid, result.Diagnostics.Select(DiagnosticDto.From).ToList()));
    }

    internal static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        return body.ToArray();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetPausedAsync(
        string id, bool paused, IWorkflowStateStore states, WorkflowCatalog catalog, WorkflowScheduler scheduler, Triggers.TriggerService triggers, CancellationToken ct)
    {
        if (catalog.Find(id) is null)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        await states.SetPausedAsync(id, paused, ct);
        await scheduler.RescheduleAsync(id, ct);
        triggers.OnChanged(id);
        return TypedResults.NoContent();
    }

    private static Results<Ok<List<TriggerStatusDto>>, ProblemHttpResult> Triggers(string id, WorkflowCatalog catalog, Triggers.TriggerService triggers)
    {
        if (catalog.Find(id) is not { } entry)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        var loops = triggers.LoopsOf(id).ToDictionary(l => l.Index, l => l.Loop);
        var definitions = entry.Plan?.Definition.Triggers ?? [];
        return TypedResults.Ok(definitions.Select((t, i) =>
        {
            var loop = loops.GetValueOrDefault(i);
            return new TriggerStatusDto(i, Core.Json.WireNames.Of(t.Type), t.Connection, t.GroupFor(id), t.AllTopics, t.EffectiveBatchSize, t.EffectiveMaxWait,
                loop is not null, loop?.Consuming ?? false, loop?.LastError);
        }).ToList());
    }

    private static async Task<Results<Created<RunDto>, ProblemHttpResult>> TriggerAsync(
        string id, TriggerRequest? body, RunLauncher launcher, CancellationToken ct)
    {
        var result = await launcher.LaunchAsync(id, RunKind.Manual, body?.LogicalDate, body?.Params, ct);
        return result.Run is { } run
            ? TypedResults.Created($"/api/v1/runs/{run.Id}", RunDto.From(run))
            : Failure(result);
    }

    private static async Task<Results<Ok<BackfillDto>, ProblemHttpResult>> BackfillAsync(
        string id, BackfillRequest body, WorkflowCatalog catalog, RunLauncher launcher, Microsoft.Extensions.Options.IOptions<SchedulerOptions> options, CancellationToken ct)
    {
        if (catalog.Find(id)?.Plan is not { } plan)
        {
            return Problems.NotFound($"workflow '{id}' is not known");
        }

        if (plan.Definition.Schedule is null)
        {
            return Problems.BadRequest($"workflow '{id}' has no schedule, so it has no data intervals to backfill", "not-scheduled");
        }

        if (body.To <= body.From)
        {
            return Problems.BadRequest("'to' must be after 'from'", "invalid-range");
        }

        // Counted before anything is created, and never more than one past the limit is produced.
        var limit = options.Value.MaxBackfillIntervals;
        var intervals = Core.Engine.Timetable.For(plan.Definition, body.From)?.StartingBetween(body.From, body.To).Take(limit + 1).ToList() ?? [];
        if (intervals.Count > limit)
        {
            return Problems.BadRequest(
                $"[{body.From:O}, {body.To:O}) holds more than {limit} intervals of '{id}'; backfill it in smaller ranges", "too-many-intervals");
        }

        var created = new List<RunSummaryDto>();
        var skipped = new List<DateTimeOffset>();
        foreach (var interval in intervals)
        {
            var result = await launcher.LaunchAsync(id, RunKind.Backfill, interval.Start, body.Params, ct);
            if (result.Run is { } run)
            {
                created.Add(RunSummaryDto.From(run));
            }
            else if (result.Failure == LaunchFailure.DuplicateLogicalDate)
            {
                skipped.Add(interval.Start);
            }
            else
            {
                return Failure(result);
            }
        }

        return TypedResults.Ok(new BackfillDto(created, skipped));
    }

    internal static ProblemHttpResult Failure(LaunchResult result) => result.Failure switch
    {
        LaunchFailure.UnknownWorkflow => Problems.NotFound(result.Errors![0]),
        LaunchFailure.InactiveWorkflow => Problems.Conflict(result.Errors![0], "workflow-inactive"),
        LaunchFailure.DuplicateLogicalDate => Problems.Conflict(result.Errors![0], "duplicate-logical-date"),
        _ => Problems.BadRequest("the params do not fit the workflow's definitions", "invalid-params", result.Errors),
    };

    private static async Task<WorkflowSummaryDto> SummaryAsync(
        WorkflowEntry entry, IReadOnlySet<string> paused, List<RunSummaryDto> recent, WorkflowScheduler scheduler, CancellationToken ct)
    {
        var definition = entry.Plan?.Definition;
        var schedule = definition?.Schedule is { } s ? new ScheduleDto(s.Cron, s.Timezone, s.Start, s.End, s.Catchup) : null;
        return new WorkflowSummaryDto(
            entry.WorkflowId,
            definition?.Name,
            definition?.Description,
            definition?.Tags ?? [],
            entry.Plan?.Version,
            entry.Active,
            paused.Contains(entry.WorkflowId),
            schedule,
            await scheduler.NextFireAsync(entry.WorkflowId, ct),
            recent.FirstOrDefault(),
            recent,
            definition?.Tasks.Count ?? 0,
            entry.Errors.Count,
            Path.GetFileName(entry.File));
    }
}
