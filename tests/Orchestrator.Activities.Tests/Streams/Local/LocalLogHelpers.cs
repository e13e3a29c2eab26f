using System.Text;
using Orchestrator.Activities.Streams;

namespace Orchestrator.Activities.Tests.Streams.Local;

internal static class LocalLogHelpers
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static OutgoingMessage Text(string value, string? key = null) => new(key, Encoding.UTF8.GetBytes(value));

    public static OutgoingMessage[] Texts(string prefix, int count) => Enumerable.Range(0, count).Select(i => Text($"{prefix}-{i}")).ToArray();

    public static string TextOf(IncomingMessage message) => Encoding.UTF8.GetString(message.Value);

    /// <summary>A read that takes what is there now and does not wait.</summary>
    public static BatchLimits UpTo(int max) => new() { MaxMessages = max, MaxWait = TimeSpan.Zero, StopAtEnd = true };

    public static ConsumerSettings Group(string group, string topic, StartPosition start = StartPosition.Committed)
        => new() { Group = group, Topics = [topic], Start = start };

    public static async Task ProduceAsync(IEventStream stream, string topic, params OutgoingMessage[] messages)
    {
        using var producer = stream.CreateProducer(new ProducerSettings());
        await producer.ProduceAsync(topic, messages, CancellationToken.None);
    }

    /// <summary>Every record of the topic, read from the start by a group of its own.</summary>
    public static async Task<List<IncomingMessage>> ReadAllAsync(IEventStream stream, string topic)
    {
        using var consumer = stream.CreateConsumer(Group("all-" + Guid.NewGuid().ToString("N"), topic, StartPosition.Earliest));
        var all = new List<IncomingMessage>();
        while (await consumer.ReadAsync(UpTo(5000), CancellationToken.None) is { Count: > 0 } batch)
        {
            all.AddRange(batch);
        }

        return all;
    }
}
