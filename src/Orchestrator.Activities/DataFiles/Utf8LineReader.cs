namespace Orchestrator.Activities.DataFiles;

/// <summary>
/// Reads a UTF-8 file line by line as byte spans into one reused buffer, with <see cref="StreamReader.ReadLine()"/>'s
/// rules (lines end at \n, \r or \r\n; a UTF-8 byte order mark is skipped; no empty line after a final line break),
/// and no string per line.
/// </summary>
internal sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _ended;

    private Utf8LineReader(Stream stream, int bufferSize)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Lines read so far, the current one included (1 after the first line).</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// Opens a file for reading; null when it starts with a UTF-16 or UTF-32 byte order mark, which
    /// <see cref="StreamReader"/> would decode and this reader does not.
    /// </summary>
    public static Utf8LineReader? Open(string path, int bufferSize = 1 << 20)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var reader = new Utf8LineReader(stream, bufferSize);
        reader.Fill();
        var head = reader._buffer.AsSpan(0, reader._end);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            reader._start = 3;
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            reader.Dispose();
            return null;
        }

        return reader;
    }

    /// <summary>The next line without its line break; false at the end of the file. The span lives until the next call.</summary>
    public bool TryRead(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var rest = _buffer.AsSpan(_start, _end - _start);
            var at = rest.IndexOfAny((byte)'\n', (byte)'\r');

            // A \r that ends the buffer may be the first half of \r\n: read on before deciding.
            if (at >= 0 && !(rest[at] == (byte)'\r' && at == rest.Length - 1 && !_ended))
            {
                line = rest[..at];
                var next = at + 1;
                if (rest[at] == (byte)'\r' && next < rest.Length && rest[next] == (byte)'\n')
                {
                    next++;
                }

                _start += next;
                LineNumber++;
                return true;
            }

            if (_ended)
            {
                line = rest;
                _start = _end;
                if (rest.IsEmpty)
                {
                    return false;
                }

                LineNumber++;
                return true;
            }

            // Keep the partial line, make room (a line longer than the buffer grows it), read on.
            if (_start > 0)
            {
                rest.CopyTo(_buffer);
                _end = rest.Length;
                _start = 0;
            }
            else if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            Fill();
        }
    }

    private void Fill()
    {
        while (_end < _buffer.Length)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _ended = true;
                return;
            }

            _end += read;
        }
    }

    public void Dispose() => _stream.Dispose();
}
