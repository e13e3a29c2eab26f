using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/runs</c>: list, detail, cancel, task logs.</summary>
public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("/", ListAsync).WithName("listRuns").WithSummary("Runs, newest first, filtered by workflow and state; pass nextCursor as cursor for the next page.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        runs.MapGet("/{id:guid}", GetAsync).WithName("getRun").WithSummary("A run with its task instances and attempts.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id:guid}/cancel", CancelAsync).WithName("cancelRun")
            .WithSummary("Cancels a run: waiting tasks at once, running attempts at their next heartbeat.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).RequireRole(Security.ApiPolicies.Operator);
        runs.MapPost("/{id:guid}/clear", ClearAsync).WithName("clearTasks")
            .WithSummary("Clears tasks (and by default their downstream) back to pending with fresh attempts; a finished run runs again.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRole(Security.ApiPolicies.Operator);
        runs.MapPost("/{id:guid}/rerun-failed", RerunFailedAsync).WithName("rerunFailedTasks")
            .WithSummary("Clears every failed and upstream_failed task and its downstream.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).RequireRole(Security.ApiPolicies.Operator);
        runs.MapGet("/{id:guid}/tasks/{taskId}/logs", LogsAsync).WithName("getTaskLog").WithSummary("A page of a task's log lines (all attempts, or one).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id:guid}/tasks/{taskId}/logs/download", DownloadAsync).WithName("downloadTaskLog")
            .WithSummary("The task's whole log (every attempt) as a text/plain attachment.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id:guid}/tasks/{taskId}/logs/follow", Follow).WithName("followTaskLog")
            .WithSummary("Server-Sent Events: the task's stored log lines after ?after=, then new lines as they are written, until the run ends.");
        return api;
    }

    private static async Task<Results<Ok<PageDto<RunDto>>, ProblemHttpResult>> ListAsync(
        IRunStore runs, [FromQuery] string? workflowId, [FromQuery] string? state, CancellationToken ct, [FromQuery] string? cursor = null, [FromQuery] int take = 50)
    {
        RunState? filter = null;
        if (state is not null)
        {
            if (!WireNames.TryParse<RunState>(state, out var parsed))
            {
                return Problems.BadRequest($"unknown run state '{state}'", "invalid-filter");
            }

            filter = parsed;
        }

        if (Problems.InvalidPage(cursor, take, out var page) is { } invalidPage)
        {
            return invalidPage;
        }

        var list = await runs.ListAsync(new RunFilter(workflowId, filter), page, ct);
        return TypedResults.Ok(PageDto<RunDto>.From(list, page.Take - 1, RunDto.From, r => new ListCursor(r.CreatedAt, r.Id)));
    }

    private static async Task<Results<Ok<RunDetailDto>, ProblemHttpResult>> GetAsync(Guid id, IRunStore runs, CancellationToken ct)
        => await runs.GetDetailsAsync(id, ct) is { } details
            ? TypedResults.Ok(RunDetailDto.From(details))
            : Problems.NotFound($"run {id} does not exist");

    private static async Task<Results<Accepted, ProblemHttpResult>> CancelAsync(
        Guid id, IRunStore runs, IRunQueue queue, WorkflowCatalog catalog, TimeProvider time, Core.Engine.QueueSignal signal, CancellationToken ct)
    {
        var run = await runs.FindAsync(id, ct);
        if (run is null)
        {
            return Problems.NotFound($"run {id} does not exist");
        }

        if (run.State.IsFinal())
        {
            return Problems.Conflict($"run {id} already ended {WireNames.Of(run.State)}", "run-finished");
        }

        await queue.CancelRunAsync(id, catalog, time.GetUtcNow(), ct);
        signal.Pulse();
        return TypedResults.Accepted($"/api/v1/runs/{id}");
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> ClearAsync(
        Guid id, ClearRequest body, IRunStore runs, IRunQueue queue, WorkflowCatalog catalog, TimeProvider time, Core.Engine.QueueSignal signal, CancellationToken ct)
    {
        if (await runs.GetDetailsAsync(id, ct) is not { } details)
        {
            return Problems.NotFound($"run {id} does not exist");
        }

        var unknown = body.Tasks.Where(t => details.Tasks.All(x => x.TaskId != t)).ToList();
        if (body.Tasks.Count == 0 || unknown.Count > 0)
        {
            return Problems.BadRequest(body.Tasks.Count == 0 ? "name at least one task" : $"run {id} has no task {string.Join(", ", unknown)}", "invalid-tasks");
        }

        if (!await queue.ClearAsync(id, body.Tasks, body.Downstream ?? true, catalog, time.GetUtcNow(), ct))
        {
            return Problems.Conflict("nothing to clear: the tasks are not in a final state", "nothing-to-clear");
        }

        signal.Pulse();
        return TypedResults.Accepted($"/api/v1/runs/{id}");
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> RerunFailedAsync(
        Guid id, IRunStore runs, IRunQueue queue, WorkflowCatalog catalog, TimeProvider time, Core.Engine.QueueSignal signal, CancellationToken ct)
    {
        if (await runs.GetDetailsAsync(id, ct) is not { } details)
        {
            return Problems.NotFound($"run {id} does not exist");
        }

        var failed = details.Tasks.Where(t => t.State is TaskState.Failed or TaskState.UpstreamFailed).Select(t => t.TaskId).ToList();
        if (failed.Count == 0 || !await queue.ClearAsync(id, failed, downstream: true, catalog, time.GetUtcNow(), ct))
        {
            return Problems.Conflict($"run {id} has no failed task to run again", "nothing-to-clear");
        }

        signal.Pulse();
        return TypedResults.Accepted($"/api/v1/runs/{id}");
    }

    private static ServerSentEventsResult<LogLineDto> Follow(
        Guid id, string taskId, ITaskLogStore logs, IRunStore runs, Observability.RunEventHub hub, HttpContext context, IHostApplicationLifetime lifetime,
        [FromQuery] long after = 0)
    {
        // Subscribe before reading the backlog: no line falls between the two.
        var subscription = hub.Subscribe();

        async IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<LogLineDto>> Stream([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            using var owned = subscription;
            await using var live = subscription.ReadAllAsync(ct).GetAsyncEnumerator(ct);
            var last = after;
            foreach (var line in await logs.ReadAsync(id, taskId, null, after, 100_000, ct))
            {
                last = line.Sequence;
                yield return new(ToDto(line), "log");
            }

            if ((await runs.FindAsync(id, ct))?.State.IsFinal() ?? true)
            {
                yield break;
            }

            while (await live.MoveNextAsync())
            {
                switch (live.Current)
                {
                    case Core.Engine.TaskLogWritten written when written.RunId == id && written.Line.TaskId == taskId && written.Line.Sequence > last:
                        last = written.Line.Sequence;
                        yield return new(ToDto(written.Line), "log");
                        break;
                    case Core.Engine.RunStateChanged changed when changed.RunId == id && changed.State.IsFinal():
                        yield break;
                }
            }
        }

        return TypedResults.ServerSentEvents(Stream(context.RequestAborted).UntilStopping(lifetime.ApplicationStopping, context.RequestAborted));
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> DownloadAsync(
        Guid id, string taskId, IRunStore runs, ITaskLogStore logs, CancellationToken ct)
    {
        if (await runs.GetDetailsAsync(id, ct) is not { } details || details.Tasks.All(t => t.TaskId != taskId))
        {
            return Problems.NotFound($"run {id} has no task {taskId}");
        }

        // Written page by page as read: a long log is never held whole in memory.
        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(false));
            int? attempt = null;
            for (long after = 0; ;)
            {
                var page = await logs.ReadAsync(id, taskId, null, after, 5000, ct);
                foreach (var line in page)
                {
                    if (line.Attempt != attempt)
                    {
                        attempt = line.Attempt;
                        await writer.WriteLineAsync($"--- attempt {attempt} ---");
                    }

                    await writer.WriteLineAsync(line.ToText());
                }

                if (page.Count == 0)
                {
                    break;
                }

                after = page[^1].Sequence;
            }
        }, "text/plain; charset=utf-8", $"{details.Run.WorkflowId}-{id}-{taskId}.log");
    }

    private static LogLineDto ToDto(TaskLogLine l) => new(l.Attempt, l.Sequence, l.Timestamp, l.Level.ToString(), l.Message);

    private static async Task<Results<Ok<LogPageDto>, ProblemHttpResult>> LogsAsync(
        Guid id, string taskId, IRunStore runs, ITaskLogStore logs, CancellationToken ct,
        [FromQuery] int? attempt = null, [FromQuery] long after = 0, [FromQuery] int limit = 500)
    {
        if (await runs.FindAsync(id, ct) is null)
        {
            return Problems.NotFound($"run {id} does not exist");
        }

        var lines = await logs.ReadAsync(id, taskId, attempt, after, Math.Clamp(limit, 1, 5000), ct);
        return TypedResults.Ok(new LogPageDto(
            lines.Select(ToDto).ToList(),
            lines.Count == 0 ? after : lines[^1].Sequence));
    }
}
