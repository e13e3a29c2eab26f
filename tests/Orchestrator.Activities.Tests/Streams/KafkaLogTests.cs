using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Streams.Kafka;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>librdkafka's syslog levels as the levels of our logs.</summary>
public sealed class KafkaLogTests
{
    [Theory]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    [InlineData(SyslogLevel.Critical, LogLevel.Critical)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Info, LogLevel.Information)]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    public void LevelOf_MapsTheSyslogLevel_WhenLibrdkafkaLogs(SyslogLevel level, LogLevel expected)
        => Assert.Equal(expected, KafkaLog.LevelOf(level));
}
