using System.Runtime.CompilerServices;
using System.Text;
using Orchestrator.Activities.Streams;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>Sending a stream of records through a producer that takes lists: chunks, and no record held back while the source waits.</summary>
public sealed class StreamedProduceTests
{
    /// <summary>A producer of the list overload only, so the stream overload is the interface's.</summary>
    private sealed class ListProducer : IStreamProducer
    {
        public List<string[]> Chunks { get; } = [];

        public TaskCompletionSource FirstChunk { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0)
            {
                return Task.FromResult<IReadOnlyList<PartitionRange>>([]);
            }

            var first = Chunks.Sum(c => c.Length);
            Chunks.Add([.. messages.Select(m => Encoding.UTF8.GetString(m.Value))]);
            FirstChunk.TrySetResult();
            return Task.FromResult<IReadOnlyList<PartitionRange>>([new PartitionRange(topic, 0, first, first + messages.Count - 1)]);
        }

        public void Dispose()
        {
        }
    }

    private static async IAsyncEnumerable<OutgoingMessage> Source(int before, Task gate, int after, [EnumeratorCancellation] CancellationToken token = default)
    {
        for (var i = 0; i < before + after; i++)
        {
            if (i == before)
            {
                await gate.WaitAsync(token);
            }

            yield return new OutgoingMessage(null, Encoding.UTF8.GetBytes($"r{i}"));
        }
    }

    [Fact]
    public async Task ProduceAsync_SendsTheRecordsSoFar_WhenTheSourceWaitsForItsNextRecord()
    {
        var producer = new ListProducer();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var sending = ((IStreamProducer)producer).ProduceAsync("t", Source(3, gate.Task, 2), CancellationToken.None);
        await producer.FirstChunk.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([["r0", "r1", "r2"]], producer.Chunks);
        gate.SetResult();
        var ranges = await sending.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal([["r0", "r1", "r2"], ["r3", "r4"]], producer.Chunks);
        Assert.Equal([(0L, 2L), (3L, 4L)], ranges.Select(r => (r.FirstOffset, r.LastOffset)));
    }

    [Fact]
    public async Task ProduceAsync_SendsFullChunks_WhenTheSourceNeverWaits()
    {
        var producer = new ListProducer();

        await ((IStreamProducer)producer).ProduceAsync("t", Source(7, Task.CompletedTask, 0), CancellationToken.None, chunkSize: 3);

        Assert.Equal([3, 3, 1], producer.Chunks.Select(c => c.Length));
    }
}
