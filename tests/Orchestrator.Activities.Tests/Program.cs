using System.Text;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Local;

namespace Orchestrator.Activities.Tests;

/// <summary>
/// The entry point of the test assembly when a test starts it as a second process (<c>dotnet</c> + this assembly):
/// a producer or a consumer group member of the same local log in another process. The test runner does not use it.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["produce", var root, var topic, var count, var batch]:
                await ProduceAsync(root, topic, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), int.Parse(batch, System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            case ["hold-group", var root, var topic, var group]:
                HoldGroup(root, topic, group);
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: produce <root> <topic> <count> <batch> | hold-group <root> <topic> <group>");
                return 2;
        }
    }

    /// <summary>Says "ready", waits for a line, then produces values <c>other-0</c>… in batches and says "done".</summary>
    private static async Task ProduceAsync(string root, string topic, int count, int batch)
    {
        using var producer = new LocalEventStream(root, TimeProvider.System).CreateProducer(new ProducerSettings());
        Console.WriteLine("ready");
        _ = Console.ReadLine();
        for (var sent = 0; sent < count; sent += batch)
        {
            var messages = Enumerable.Range(sent, Math.Min(batch, count - sent))
                .Select(i => new OutgoingMessage(null, Encoding.UTF8.GetBytes($"other-{i}")))
                .ToArray();
            await producer.ProduceAsync(topic, messages, CancellationToken.None);
        }

        Console.WriteLine("done");
    }

    /// <summary>Joins the group, says whether it owns the topic, and keeps it until its input ends or it is killed.</summary>
    private static void HoldGroup(string root, string topic, string group)
    {
        using var consumer = new LocalEventStream(root, TimeProvider.System).CreateConsumer(new ConsumerSettings { Group = group, Topics = [topic] });
        Console.WriteLine(consumer.OwnsPartitions ? "owns" : "does not own");
        _ = Console.ReadLine();
    }
}
