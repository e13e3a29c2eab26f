using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>librdkafka's log lines and client errors, and the consumer's group changes, as structured log entries.</summary>
internal static partial class KafkaLog
{
    /// <summary>librdkafka's syslog levels in the levels of <see cref="ILogger"/>.</summary>
    public static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    public static void Native(ILogger logger, LogMessage message)
        => NativeLine(logger, LevelOf(message.Level), message.Name, message.Facility, message.Message);

    /// <summary>A fatal error ends the client; any other is transient and librdkafka retries by itself.</summary>
    public static void Error(ILogger logger, string connection, Error error)
    {
        if (error.IsFatal)
        {
            FatalError(logger, connection, error.Reason, error.Code);
        }
        else
        {
            TransientError(logger, connection, error.Reason, error.Code);
        }
    }

    [LoggerMessage(Message = "librdkafka {Client} {Facility}: {Text}")]
    private static partial void NativeLine(ILogger logger, LogLevel level, string client, string facility, string text);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka client of {Connection} failed and stops: {Reason} ({Code})")]
    private static partial void FatalError(ILogger logger, string connection, string reason, ErrorCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client of {Connection}: {Reason} ({Code}); retrying")]
    private static partial void TransientError(ILogger logger, string connection, string reason, ErrorCode code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Consumer of group {Group} assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string group, string partitions);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Consumer of group {Group} gave up {Partitions}")]
    public static partial void Revoked(ILogger logger, string group, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer of group {Group} could not move {Partition} back to {Offset} after a failed read: {Reason}")]
    public static partial void RewindFailed(ILogger logger, string group, string partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer of group {Group} did not leave the group cleanly: {Reason}")]
    public static partial void CloseFailed(ILogger logger, string group, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No partition count for {Topics}, a read to the end stops at the end of the assigned partitions: {Reason}")]
    public static partial void MetadataFailed(ILogger logger, string topics, string reason);
}
