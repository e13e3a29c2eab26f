using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Core.Activities.Core;

[Activity("core.log", Description = "Writes a message to the task log and returns it.")]
public sealed class LogActivity : Activity<LogActivity.Input, LogActivity.Output>
{
    public sealed record Input
    {
        [Description("The message; templates are rendered first.")]
        public required string Message { get; init; }

        [Description("Log level: debug, information, warning or error. Default information.")]
        public LogLevelName? Level { get; init; }
    }

    public sealed record Output
    {
        [Description("The message as written.")]
        public required string Message { get; init; }
    }

    [JsonConverter(typeof(JsonStringEnumConverter<LogLevelName>))]
    public enum LogLevelName
    {
        [JsonStringEnumMemberName("debug")] Debug,
        [JsonStringEnumMemberName("information")] Information,
        [JsonStringEnumMemberName("warning")] Warning,
        [JsonStringEnumMemberName("error")] Error,
    }

    protected override Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var level = input.Level switch
        {
            LogLevelName.Debug => LogLevel.Debug,
            LogLevelName.Warning => LogLevel.Warning,
            LogLevelName.Error => LogLevel.Error,
            _ => LogLevel.Information,
        };
#pragma warning disable CA2254 // The message is the user's text, not a template.
        context.Logger.Log(level, input.Message);
#pragma warning restore CA2254
        return Task.FromResult(new Output { Message = input.Message });
    }
}
