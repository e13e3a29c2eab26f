using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// Reads one partition log forward from a position, keeping the byte position of the next line between batches so a
/// batch never rescans the log. Only complete lines are read: bytes after the last newline are a write in progress or a
/// torn write that the next producer truncates, so they are never kept between reads.
/// </summary>
internal sealed class PartitionReader(TopicFiles files) : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    private SafeFileHandle? log;
    private byte[] buffer = new byte[InitialBufferSize];

    // buffer[start..end] holds the log's bytes from `position`; `position` is -1 until the line of NextOffset is found.
    private int start;
    private int end;
    private long position = -1;

    public TopicFiles Files => files;

    /// <summary>The offset of the next record to return.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Whether the last read reached the end of the complete records.</summary>
    public bool AtEnd { get; private set; }

    public void Seek(long offset)
    {
        NextOffset = offset;
        position = -1;
        start = end = 0;
    }

    /// <summary>Moves past every complete record in the log now.</summary>
    public void SeekToEnd()
    {
        start = end = 0;
        if (Open() is not { } handle)
        {
            NextOffset = 0;
            position = 0;
            return;
        }

        var logEnd = Search(() => LogSearch.FindEnd(handle, RandomAccess.GetLength(handle)));
        NextOffset = logEnd.NextOffset;
        position = logEnd.CompleteLength;
    }

    /// <summary>Appends up to <paramref name="max"/> records from the position to <paramref name="into"/>; returns how many.</summary>
    public int Read(List<IncomingMessage> into, int max)
    {
        AtEnd = false;
        if (Open() is not { } handle)
        {
            AtEnd = true;
            return 0;
        }

        if (position < 0)
        {
            var offset = NextOffset;
            position = Search(() => LogSearch.LineStartNear(handle, RandomAccess.GetLength(handle), offset));
            start = end = 0;
        }

        var count = 0;
        var rereadAt = -1L;
        while (count < max)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (!Fill(handle))
                {
                    AtEnd = true;
                    return count;
                }

                continue;
            }

            IncomingMessage message;
            try
            {
                message = LogLineFormat.Read(buffer.AsSpan(start, newline), files.Topic);
            }
            catch (FormatException e)
            {
                if (rereadAt == position)
                {
                    throw new StreamException($"the record at byte {position} of {files.Log} is corrupt: {e.Message}", e);
                }

                // Once more from the file, in case these bytes were read while a producer repaired a torn write.
                rereadAt = position;
                start = end = 0;
                continue;
            }

            start += newline + 1;
            position += newline + 1;
            if (message.Offset < NextOffset)
            {
                // Between the line the search found and the one asked for.
                continue;
            }

            into.Add(message);
            NextOffset = message.Offset + 1;
            count++;
        }

        return count;
    }

    public void Dispose() => log?.Dispose();

    private T Search<T>(Func<T> search)
    {
        try
        {
            return search();
        }
        catch (FormatException e)
        {
            throw new StreamException($"a record of {files.Log} is corrupt: {e.Message}", e);
        }
    }

    /// <summary>Reads from the position until the buffer holds a newline; false when the log has no complete line there.</summary>
    private bool Fill(SafeFileHandle handle)
    {
        // Buffered bytes without a newline are dropped, not extended: they may be a torn write replaced since.
        start = end = 0;
        while (true)
        {
            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = RandomAccess.Read(handle, buffer.AsSpan(end), position + end);
            if (read == 0)
            {
                return false;
            }

            var found = buffer.AsSpan(end, read).Contains((byte)'\n');
            end += read;
            if (found)
            {
                return true;
            }
        }
    }

    private SafeFileHandle? Open()
    {
        if (log is null)
        {
            // A consumer polls an empty topic many times a second: ask first rather than pay for an exception each time.
            if (!File.Exists(files.Log))
            {
                return null;
            }

            try
            {
                log = File.OpenHandle(files.Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // A topic nobody produced to yet reads as an empty one.
                return null;
            }
        }

        return log;
    }
}
