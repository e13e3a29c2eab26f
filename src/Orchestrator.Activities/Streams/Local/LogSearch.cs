using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>The end of a partition log: the bytes up to its last complete line, and the next offset to write.</summary>
/// <param name="CompleteLength">Bytes up to and including the last newline; anything after it is a torn write.</param>
/// <param name="NextOffset">The offset after the last complete record.</param>
internal readonly record struct LogEnd(long CompleteLength, long NextOffset);

/// <summary>
/// Finds positions in a partition log without reading it from the start: the end from the last line, and the line of
/// an offset by a binary search over line starts (offsets are dense and grow with the byte position).
/// </summary>
internal static class LogSearch
{
    private const int ChunkSize = 64 * 1024;

    // Below this span the search reads forward instead of halving again.
    private const long LinearWindow = 64 * 1024;

    // The offset is the first field, so the start of a line almost always holds it.
    private const int LineHeadSize = 256;

    /// <summary>The end of the log of <paramref name="length"/> bytes, reading only its last line.</summary>
    public static LogEnd FindEnd(SafeFileHandle log, long length)
    {
        var lastNewline = LastNewlineBefore(log, length);
        if (lastNewline < 0)
        {
            return new LogEnd(0, 0);
        }

        var lastLineStart = LastNewlineBefore(log, lastNewline) + 1;
        return new LogEnd(lastNewline + 1, OffsetAt(log, lastLineStart) + 1);
    }

    /// <summary>
    /// A line start at or before the record of <paramref name="offset"/>, at most a small window before it; reading
    /// forward from there and skipping smaller offsets reaches the record. <paramref name="length"/> is the log's size.
    /// </summary>
    public static long LineStartNear(SafeFileHandle log, long length, long offset)
    {
        if (offset <= 0)
        {
            return 0;
        }

        var end = FindEnd(log, length);
        if (offset >= end.NextOffset)
        {
            return end.CompleteLength;
        }

        // Invariant: lo is a line start whose record's offset is at most the target.
        long lo = 0;
        var hi = end.CompleteLength;
        while (hi - lo > LinearWindow)
        {
            var mid = lo + ((hi - lo) / 2);
            var start = NextLineStart(log, mid, hi);
            if (start >= hi)
            {
                hi = mid;
                continue;
            }

            var found = OffsetAt(log, start);
            if (found == offset)
            {
                return start;
            }

            if (found < offset)
            {
                lo = start;
            }
            else
            {
                hi = start;
            }
        }

        return lo;
    }

    /// <summary>The offset of the record whose line starts at <paramref name="lineStart"/>.</summary>
    public static long OffsetAt(SafeFileHandle log, long lineStart)
    {
        Span<byte> head = stackalloc byte[LineHeadSize];
        var read = RandomAccess.Read(log, head, lineStart);
        var newline = head[..read].IndexOf((byte)'\n');
        var data = newline >= 0 ? head[..newline] : head[..read];
        if (LogLineFormat.TryReadOffset(data, isComplete: newline >= 0, out var offset))
        {
            return offset;
        }

        // A line that does not start with its offset: read all of it.
        var lineEnd = NextNewline(log, lineStart, long.MaxValue);
        if (lineEnd == long.MaxValue)
        {
            throw new FormatException("the line has no end");
        }

        var line = new byte[checked((int)(lineEnd - lineStart))];
        ReadExactly(log, line, lineStart);
        return LogLineFormat.TryReadOffset(line, isComplete: true, out offset)
            ? offset
            : throw new FormatException("a record needs an offset");
    }

    /// <summary>The index of the last newline before byte <paramref name="before"/>, or -1.</summary>
    private static long LastNewlineBefore(SafeFileHandle log, long before)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var end = before;
            while (end > 0)
            {
                var size = (int)Math.Min(ChunkSize, end);
                var start = end - size;
                ReadExactly(log, buffer.AsSpan(0, size), start);
                var index = buffer.AsSpan(0, size).LastIndexOf((byte)'\n');
                if (index >= 0)
                {
                    return start + index;
                }

                end = start;
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The first line start at or after <paramref name="position"/>, or <paramref name="limit"/> when there is none before it.</summary>
    private static long NextLineStart(SafeFileHandle log, long position, long limit)
    {
        // A line starts after a newline, so the search begins at the byte before the position.
        var newline = position == 0 ? -1 : NextNewline(log, position - 1, limit);
        return newline == long.MaxValue ? limit : Math.Min(newline + 1, limit);
    }

    /// <summary>The index of the first newline at or after <paramref name="from"/> and before <paramref name="limit"/>, else <see cref="long.MaxValue"/>.</summary>
    private static long NextNewline(SafeFileHandle log, long from, long limit)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var at = from;
            while (at < limit)
            {
                var read = RandomAccess.Read(log, buffer.AsSpan(0, ChunkSize), at);
                if (read == 0)
                {
                    break;
                }

                var index = buffer.AsSpan(0, read).IndexOf((byte)'\n');
                if (index >= 0)
                {
                    return at + index < limit ? at + index : long.MaxValue;
                }

                at += read;
            }

            return long.MaxValue;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ReadExactly(SafeFileHandle log, Span<byte> buffer, long position)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(log, buffer, position);
            if (read == 0)
            {
                throw new EndOfStreamException("the log ended early");
            }

            buffer = buffer[read..];
            position += read;
        }
    }
}
