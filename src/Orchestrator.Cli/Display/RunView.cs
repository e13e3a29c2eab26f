using System.Text;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Orchestrator.Cli.Display;

/// <summary>What a terminal shows of a run: the live task table with its progress line, and the final summary table.</summary>
internal static class RunView
{
    /// <summary>One frame of the live display: a row per task (state, attempt, time) and the progress line under it.</summary>
    public static IRenderable Live(BoardSnapshot board, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("task").AddColumn("state").AddColumn(new TableColumn("attempt").RightAligned()).AddColumn(new TableColumn("time").RightAligned());
        foreach (var task in board.Tasks)
        {
            var time = task.State switch
            {
                TaskState.Running => Durations.Human(task.AttemptStartedAt, now),
                TaskState.UpForRetry when task.NextAttemptAt is { } next => "retry in " + Durations.Human(now, next),
                _ when task.State.IsFinal() => Durations.Human(task.StartedAt, task.EndedAt),
                _ => "",
            };
            table.AddRow(
                new Text(task.Id),
                new Markup(State(task.State)),
                new Text(task.Attempts > 0 ? task.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture) : ""),
                new Text(time));
        }

        var title = new Markup($"[bold]{Markup.Escape(board.WorkflowId)}[/]" + (board.RunId is { } id ? $" [grey]run {id}[/]" : ""));
        return new Rows(title, table, new Markup(Markup.Escape(ProgressLine(board, now))));
    }

    /// <summary>"3/8 done · running: clean 3.4s, load 0.52s (attempt 2) · retries: 1 · 12.3s"</summary>
    public static string ProgressLine(BoardSnapshot board, DateTimeOffset now)
    {
        var line = new StringBuilder();
        line.Append(System.Globalization.CultureInfo.InvariantCulture, $"{board.Done}/{board.Tasks.Count} done");
        var running = board.Running.ToArray();
        if (running.Length > 0)
        {
            line.Append(" · running: ").AppendJoin(", ", running.Select(t =>
                $"{t.Id} {Durations.Human(t.AttemptStartedAt, now)}" + (t.Attempts > 1 ? $" (attempt {t.Attempts})" : "")));
        }

        var waiting = board.Tasks.Count(t => t.State == TaskState.UpForRetry);
        if (waiting > 0)
        {
            line.Append(System.Globalization.CultureInfo.InvariantCulture, $" · waiting to retry: {waiting}");
        }

        line.Append(System.Globalization.CultureInfo.InvariantCulture, $" · retries: {board.Retries}");
        if (board.StartedAt is { } started)
        {
            line.Append(" · ").Append(Durations.Human(now - started));
        }

        return line.ToString();
    }

    /// <summary>The table printed when the run ends: each task's state, attempts, time from its first start to its end, and error.</summary>
    public static IRenderable Summary(RunResult result)
    {
        var errors = result.Tasks.Any(t => t.Error is not null);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("task").AddColumn("state").AddColumn(new TableColumn("attempts").RightAligned()).AddColumn(new TableColumn("duration").RightAligned());
        if (errors)
        {
            table.AddColumn("error");
        }

        foreach (var task in result.Tasks)
        {
            var cells = new List<IRenderable>
            {
                new Text(task.TaskId),
                new Markup(State(task.State)),
                new Text(task.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(Durations.Human(task.StartedAt, task.EndedAt)),
            };
            if (errors)
            {
                cells.Add(new Text(task.Error ?? ""));
            }

            table.AddRow(cells);
        }

        var title = new Markup(
            $"[bold]{Markup.Escape(result.Run.WorkflowId)}[/] run {result.Run.Id}: {RunState(result.Run.State)} in {Durations.Human(result.Run.StartedAt ?? result.Run.CreatedAt, result.Run.EndedAt)}");
        return new Rows(title, table);
    }

    public static string State(TaskState state) => $"[{Colour(state)}]{WireNames.Of(state)}[/]";

    private static string RunState(RunState state) => state switch
    {
        Core.Model.RunState.Succeeded => "[green]succeeded[/]",
        Core.Model.RunState.Failed => "[red]failed[/]",
        _ => WireNames.Of(state),
    };

    private static string Colour(TaskState state) => state switch
    {
        TaskState.Succeeded => "green",
        TaskState.Failed => "red",
        TaskState.UpstreamFailed => "darkorange",
        TaskState.Running => "deepskyblue1",
        TaskState.UpForRetry => "gold1",
        TaskState.Queued => "grey70",
        TaskState.Skipped or TaskState.Cancelled => "grey",
        _ => "grey50",
    };
}
