using System.Globalization;
using System.Text;

namespace Orchestrator.Core.Json;

/// <summary>What the located parser checks of the raw text before and while System.Text.Json reads it.</summary>
internal static class JsonText
{
    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence, or null when all are text.</summary>
    internal static int? FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return null;
        }

        for (var offset = 0; offset < utf8.Length;)
        {
            if (Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return null;
    }

    /// <summary>Where the first <c>\uXXXX</c> escape of a surrogate that is not part of a pair starts.</summary>
    internal static int? LoneSurrogate(ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i + 6 <= raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                continue;
            }

            if (raw[i + 1] != (byte)'u')
            {
                i++; // another escape such as \\ or \": its second character is not a backslash that starts one
                continue;
            }

            var unit = Hex(raw.Slice(i + 2, 4));
            var next = i + 12 <= raw.Length && raw[i + 6] == (byte)'\\' && raw[i + 7] == (byte)'u' ? Hex(raw.Slice(i + 8, 4)) : -1;
            if (unit is >= 0xD800 and <= 0xDBFF && next is >= 0xDC00 and <= 0xDFFF)
            {
                i += 11;
            }
            else if (unit is >= 0xD800 and <= 0xDFFF)
            {
                return i;
            }
            else
            {
                i += 5;
            }
        }

        return null;
    }

    internal static int Hex(ReadOnlySpan<byte> digits)
        => int.TryParse(Encoding.ASCII.GetString(digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value : -1;
}

/// <summary>Maps byte offsets to 1-based line and character column.</summary>
internal sealed class LineMap
{
    private readonly List<int> _lineStarts = [0];

    public LineMap(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    // The parser asks in reading order: counting characters from the previous answer on the same line keeps a
    // long single-line document (a compact API body) linear instead of recounting the line for every token.
    private int _lastOffset;
    private int _lastLine;
    private int _lastColumn;

    public TextPosition PositionOf(ReadOnlySpan<byte> utf8, int offset)
    {
        var index = _lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        var column = line == _lastLine && offset >= _lastOffset
            ? _lastColumn + Encoding.UTF8.GetCharCount(utf8[_lastOffset..offset])
            : Encoding.UTF8.GetCharCount(utf8[_lineStarts[line]..offset]);
        (_lastOffset, _lastLine, _lastColumn) = (offset, line, column);
        return new TextPosition(line + 1, column + 1);
    }

    public TextPosition PositionOfLineByte(ReadOnlySpan<byte> utf8, int zeroBasedLine, int bytePosition)
    {
        if (zeroBasedLine >= _lineStarts.Count)
        {
            zeroBasedLine = _lineStarts.Count - 1;
        }

        var start = _lineStarts[zeroBasedLine];
        var end = Math.Min(start + bytePosition, utf8.Length);
        return new TextPosition(zeroBasedLine + 1, Encoding.UTF8.GetCharCount(utf8[start..end]) + 1);
    }

    public int OffsetOfLineByte(ReadOnlySpan<byte> utf8, int zeroBasedLine, int bytePosition)
        => Math.Min(_lineStarts[Math.Min(zeroBasedLine, _lineStarts.Count - 1)] + bytePosition, utf8.Length);
}
