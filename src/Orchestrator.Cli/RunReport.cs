using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;

namespace Orchestrator.Cli;

/// <summary>The result of <c>orchestrator run</c> for people (text) and for programs (one JSON object).</summary>
internal static class RunReport
{
    /// <summary><c>{"workflow","runId","state","tasks":[{"id","state","attempts","startedAt","endedAt","outputs","error"}]}</c></summary>
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

                if (task.Error is { } error)
                {
                    writer.WriteString("error", error);
                }
                else
                {
                    writer.WriteNull("error");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Text(RunResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"{result.Run.WorkflowId} run {result.Run.Id}: {WireNames.Of(result.Run.State)}");
        var width = Math.Max(4, result.Tasks.Max(t => t.TaskId.Length)) + 2;
        foreach (var task in result.Tasks)
        {
            text.Append("  ").Append(task.TaskId.PadRight(width)).Append(WireNames.Of(task.State).PadRight(17))
                .Append($"attempts={task.Attempts}");
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
