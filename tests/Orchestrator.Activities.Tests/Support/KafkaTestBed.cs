using System.Globalization;
using System.Text;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Core.Connections;
using Orchestrator.Testing;
using Xunit.Abstractions;

namespace Orchestrator.Activities.Tests.Support;

/// <summary>
/// A mock cluster of the test's own (so error injection cannot reach other tests), event streams over it, and a
/// deadline that fails a test which would otherwise hang.
/// </summary>
public sealed class KafkaTestBed(ITestOutputHelper output) : IDisposable
{
    /// <summary>A read to the end of the topic, with a generous (real-time) wait that only a broken read reaches.</summary>
    public static readonly BatchLimits ToEnd = new() { MaxMessages = 10_000, MaxWait = TimeSpan.FromSeconds(20) };

    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(60));

    public KafkaMockCluster Cluster { get; } = KafkaMockCluster.Start();

    public CancellationToken Token => _deadline.Token;

    public Connection Connection(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { ["bootstrap.servers"] = Cluster.BootstrapServers };
        return new Connection("events", ConnectionTypes.Kafka, settings);
    }

    public KafkaEventStream Stream(TimeProvider? time = null, IReadOnlyDictionary<string, string>? settings = null)
        => new(Connection(settings), time ?? TimeProvider.System, new TestOutputLogger<KafkaEventStream>(output));

    public async Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> records, KafkaEventStream? stream = null)
    {
        using var producer = (stream ?? Stream()).CreateProducer(new ProducerSettings());
        return await producer.ProduceAsync(topic, records, Token);
    }

    /// <summary>Records keyed <c>k{i}</c> whose value is the number <c>i</c>.</summary>
    public static OutgoingMessage[] Records(int count, int from = 0)
        => Enumerable.Range(from, count).Select(i => new OutgoingMessage($"k{i}", Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)))).ToArray();

    public static int Number(IncomingMessage message) => int.Parse(Encoding.UTF8.GetString(message.Value), CultureInfo.InvariantCulture);

    /// <summary>Where each record was read: partition, offset, value.</summary>
    public static IEnumerable<(int Partition, long Offset, int Number)> Identities(IEnumerable<IncomingMessage> messages)
        => messages.Select(m => (m.Partition, m.Offset, Number(m))).Order();

    public void Dispose()
    {
        _deadline.Dispose();
        Cluster.Dispose();
    }
}
