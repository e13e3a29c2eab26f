using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Orchestrator.Cli.Display;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;

namespace Orchestrator.Cli;

/// <summary>The result of <c>orchestrator run</c> for people (text) and for programs (one JSON object).</summary>
internal static class RunReport
{
    /// <summary>
    /// <c>{"workflow","runId","state","tasks":[{"id","state","attempts","startedAt","endedAt","outputs","error","attemptDetails"}]}</c>;
    /// <c>attemptDetails</c> lists each attempt: <c>{"attempt","startedAt","endedAt","duration","outcome","error"}</c>
    /// (duration in ISO 8601, e.g. <c>PT1.25S</c>).
    /// </summary>
    public static string Json(RunResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("workflow", result.Run.WorkflowId);
            writer.WriteString("runId", result.Run.Id);
            writer.WriteString("state", WireNames.Of(result.Run.State));
            writer.WriteStartArray("tasks");
            foreach (var task in result.Tasks)
            {
                writer.WriteStartObject();
                writer.WriteString("id", task.TaskId);
                writer.WriteString("state", WireNames.Of(task.State));
                writer.WriteNumber("attempts", task.Attempts);
                WriteDate(writer, "startedAt", task.StartedAt);
                WriteDate(writer, "endedAt", task.EndedAt);
                writer.WritePropertyName("outputs");
                if (task.Outputs is { } outputs)
                {
                    outputs.WriteTo(writer);
                }
                else
                {
                    writer.WriteNullValue();
                }

                writer.WriteString("error", task.Error); // null writes JSON null

                writer.WriteStartArray("attemptDetails");
                foreach (var attempt in result.Attempts.Where(a => a.TaskId == task.TaskId).OrderBy(a => a.Number))
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("attempt", attempt.Number);
                    WriteDate(writer, "startedAt", attempt.StartedAt);
                    WriteDate(writer, "endedAt", attempt.EndedAt);
                    writer.WriteString("duration", attempt.EndedAt is { } ended ? IsoDuration.Format(ended - attempt.StartedAt) : null);
                    writer.WriteString("outcome", attempt.Outcome is { } outcome ? WireNames.Of(outcome) : null);
                    writer.WriteString("error", attempt.Error);

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The summary as plain text columns (for output that is not a terminal): each task's state, attempts, duration and error.</summary>
    public static string Text(RunResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"{result.Run.WorkflowId} run {result.Run.Id}: {WireNames.Of(result.Run.State)} in {Durations.Human(result.Run.StartedAt ?? result.Run.CreatedAt, result.Run.EndedAt)}");
        var width = Math.Max(4, result.Tasks.Max(t => t.TaskId.Length)) + 2;
        text.Append("  ").Append("task".PadRight(width)).Append("state".PadRight(17)).Append("attempts  ").AppendLine("duration");
        foreach (var task in result.Tasks)
        {
            text.Append("  ").Append(task.TaskId.PadRight(width)).Append(WireNames.Of(task.State).PadRight(17))
                .Append(task.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(10))
                .Append(Durations.Human(task.StartedAt, task.EndedAt));
            if (task.Error is { } error)
            {
                text.Append("  ").Append(error);
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static void WriteDate(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            writer.WriteString(name, Core.Templates.TemplateScope.Iso(date));
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
