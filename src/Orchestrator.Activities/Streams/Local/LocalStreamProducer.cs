using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// Appends batches to a topic's log. Safe with other producers in this process and in others: an append holds the
/// topic's OS lock file, takes the next offset from the last line, repairs a torn last line left by a crashed writer,
/// and flushes the batch to disk before it reports the offsets.
/// </summary>
internal sealed partial class LocalStreamProducer(LocalEventStream stream) : IStreamProducer
{
    // Producers of one process wait their turn here instead of polling the OS lock, which is for other processes.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> AppendTurns = new(StringComparer.Ordinal);

    private bool disposed;

    public async Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(messages);
        var files = stream.FilesOf(topic);
        if (messages.Count == 0)
        {
            return [];
        }

        var (bodies, ends) = Encode(messages, stream.Time.GetUtcNow());
        var turn = AppendTurns.GetOrAdd(files.Log, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(files.Directory);
            using var appendLock = await FileLock.AcquireAsync(files.AppendLock, stream.Time, cancellationToken).ConfigureAwait(false);
            var first = Append(files, bodies.WrittenSpan, ends);
            return [new PartitionRange(files.Topic, TopicFiles.Partition, first, first + messages.Count - 1)];
        }
        catch (IOException e)
        {
            throw new StreamException($"appending to topic '{files.Topic}' in {files.Log} failed: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StreamException($"appending to topic '{files.Topic}' in {files.Log} failed: {e.Message}", e);
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose() => disposed = true;

    /// <summary>Encodes every record without its offset, outside the lock; returns the bodies and where each ends.</summary>
    private static (ArrayBufferWriter<byte> Bodies, int[] Ends) Encode(IReadOnlyList<OutgoingMessage> messages, DateTimeOffset now)
    {
        var bodies = new ArrayBufferWriter<byte>(messages.Count * 128);
        var ends = new int[messages.Count];
        using var writer = new Utf8JsonWriter(bodies, LogLineFormat.JsonWriterOptions);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"message {i} is null", nameof(messages));
            LogLineFormat.WriteBody(writer, message, ToLogTime(message.Timestamp ?? now));
            writer.Flush();
            writer.Reset();
            ends[i] = bodies.WrittenCount;
        }

        return (bodies, ends);
    }

    // Kafka keeps milliseconds since the epoch; so does the local log, so both give back the same timestamps.
    private static DateTimeOffset ToLogTime(DateTimeOffset timestamp) => DateTimeOffset.FromUnixTimeMilliseconds(timestamp.ToUnixTimeMilliseconds());

    /// <summary>Under the append lock: writes the records after the last complete line and returns the first offset.</summary>
    private long Append(TopicFiles files, ReadOnlySpan<byte> bodies, int[] ends)
    {
        using var log = File.OpenHandle(files.Log, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(log);
        LogEnd end;
        try
        {
            end = LogSearch.FindEnd(log, length);
        }
        catch (FormatException e)
        {
            throw new StreamException($"the last record of {files.Log} is corrupt, so its next offset is unknown: {e.Message}", e);
        }

        if (end.CompleteLength < length)
        {
            // A writer died in the middle of a line; its batch was never acknowledged.
            RandomAccess.SetLength(log, end.CompleteLength);
            LogTornWriteRepaired(stream.Logger, files.Log, length - end.CompleteLength, end.NextOffset);
        }

        var lines = new ArrayBufferWriter<byte>(bodies.Length + (ends.Length * 32));
        var bodyStart = 0;
        for (var i = 0; i < ends.Length; i++)
        {
            LogLineFormat.WriteLine(lines, end.NextOffset + i, bodies[bodyStart..ends[i]]);
            bodyStart = ends[i];
        }

        try
        {
            RandomAccess.Write(log, lines.WrittenSpan, end.CompleteLength);
            RandomAccess.FlushToDisk(log);
        }
        catch (IOException)
        {
            // Leave no partial batch behind when the disk can still take a truncation (e.g. it filled up).
            TryTruncate(log, end.CompleteLength);
            throw;
        }

        return end.NextOffset;
    }

    private static void TryTruncate(Microsoft.Win32.SafeHandles.SafeFileHandle log, long length)
    {
        try
        {
            RandomAccess.SetLength(log, length);
        }
        catch (IOException)
        {
            // The next writer truncates the torn tail under the lock.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local event log {Log}: removed {Bytes} bytes of a torn write after the last complete record; the next offset is {NextOffset}")]
    private static partial void LogTornWriteRepaired(ILogger logger, string log, long bytes, long nextOffset);
}
