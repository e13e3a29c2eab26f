using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/schedules/preview</c>: when a schedule would fire, before it is saved.</summary>
public static class ScheduleEndpoints
{
    public const int DefaultCount = 10;
    public const int MaxCount = 50;

    public static RouteGroupBuilder MapScheduleEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/schedules/preview", Preview).WithName("previewSchedule").WithTags("Schedules")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("The next fire times of a schedule (cron string or object) and the data intervals they close.");
        return api;
    }

    private static Results<Ok<SchedulePreviewDto>, ProblemHttpResult> Preview(SchedulePreviewRequest body, TimeProvider time)
    {
        if (body.Schedule is not { } schedule)
        {
            return Problems.BadRequest("name a schedule: a cron string or an object with cron, timezone, start, end", "invalid-schedule");
        }

        var count = body.Count ?? DefaultCount;
        if (count is < 1 or > MaxCount)
        {
            return Problems.BadRequest($"count must be between 1 and {MaxCount}", "invalid-range");
        }

        if (!CronSchedule.TryParse(schedule.Cron, schedule.Timezone, out _, out var error))
        {
            return Problems.Unprocessable(error, "invalid-schedule");
        }

        // The scheduler's own computation, over a workflow that has only this schedule. Without start these are the
        // cron's intervals, as for a workflow the server already knows (a new one starts at the first whole interval).
        var workflow = new WorkflowDefinition { Id = "preview", Schedule = schedule, Tasks = [] };
        var after = body.After ?? time.GetUtcNow();
        var intervals = Timetable.For(workflow, DateTimeOffset.UnixEpoch)?.EndingBetween(after, DateTimeOffset.MaxValue).Take(count)
            .Select(i => new IntervalDto(i.Start, i.End)).ToList() ?? [];

        return TypedResults.Ok(new SchedulePreviewDto(intervals.ConvertAll(i => i.End), intervals));
    }
}

/// <summary>A schedule to preview: <c>count</c> fire times (default 10, at most 50) after <c>after</c> (default now).</summary>
public sealed record SchedulePreviewRequest(ScheduleDefinition? Schedule, int? Count = null, DateTimeOffset? After = null);

/// <summary>The fire times, and for each the data interval whose run it creates (logical date = start).</summary>
public sealed record SchedulePreviewDto(IReadOnlyList<DateTimeOffset> FireTimes, IReadOnlyList<IntervalDto> Intervals);

public sealed record IntervalDto(DateTimeOffset Start, DateTimeOffset End);
