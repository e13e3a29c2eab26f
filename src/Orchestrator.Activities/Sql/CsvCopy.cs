using System.Buffers;
using System.Text;
using Npgsql;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// A CSV file streamed as it is into PostgreSQL's <c>COPY … FROM STDIN (FORMAT csv)</c>: PostgreSQL reads the values
/// with its own input functions, the client only moves bytes. Applies when the file's dialect is one COPY reads the
/// way sql.load's parser does (see <see cref="Inspect"/>); the loader falls back to parsing otherwise.
/// </summary>
internal sealed class CsvCopy
{
    /// <summary>Bytes read from the file and sent per write: large enough that the server, not the calls, sets the pace.</summary>
    private const int BufferSize = 1 << 20;

    private static readonly char[] Delimiters = [',', '\t', ';', '|'];

    private readonly string _path;
    private readonly int _skip;

    private CsvCopy(string path, char delimiter, int skip)
    {
        _path = path;
        Delimiter = delimiter;
        _skip = skip;
    }

    public char Delimiter { get; }

    /// <summary>
    /// The copy of <paramref name="path"/>, or null with the reason it does not apply. It applies when the file is
    /// UTF-8 (a byte order mark is skipped), its header line is unquoted, ends with <c>\n</c> or <c>\r\n</c>, and
    /// split on the delimiter the parser detects (the most frequent of comma, tab, semicolon, pipe) gives exactly the
    /// columns the parser read, in order.
    /// </summary>
    public static CsvCopy? Inspect(string path, IReadOnlyList<string> columns, out string reason)
    {
        var head = new byte[64 * 1024];
        int length;
        using (var file = File.OpenRead(path))
        {
            length = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        var bytes = head.AsSpan(0, length);
        var skip = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            reason = "the file is UTF-16";
            return null;
        }

        var end = bytes[skip..].IndexOf((byte)'\n');
        if (end < 0)
        {
            reason = "the header line does not end with a line feed within 64 KiB";
            return null;
        }

        string header;
        try
        {
            header = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Slice(skip, end)).TrimEnd('\r');
        }
        catch (DecoderFallbackException)
        {
            reason = "the header is not UTF-8";
            return null;
        }

        if (header.Contains('"', StringComparison.Ordinal) || header.Contains('\r', StringComparison.Ordinal))
        {
            reason = "the header line has quotes or a carriage return inside";
            return null;
        }

        var delimiter = Delimiters.MaxBy(d => header.Count(c => c == d));
        var names = header.Split(delimiter);
        if (!names.SequenceEqual(columns, StringComparer.Ordinal))
        {
            reason = "the header split on '" + (delimiter == '\t' ? "\\t" : delimiter.ToString()) + "' is not the columns read";
            return null;
        }

        reason = "";
        return new CsvCopy(path, delimiter, skip);
    }

    /// <summary>
    /// The COPY statement: the header line skipped, columns named in the file's order, an empty field NULL whether
    /// quoted or not (as the parser reads it).
    /// </summary>
    public string Statement(string table, string columnList)
        => $"COPY {table} ({columnList}) FROM STDIN (FORMAT csv, HEADER true, DELIMITER '{Delimiter}', QUOTE '\"', ESCAPE '\"', NULL '', " +
           $"FORCE_NULL ({columnList}), ENCODING 'UTF8')";

    /// <summary>Streams the file into <paramref name="statement"/>; the number of records sent (lines outside quotes, header excluded).</summary>
    public async Task<long> CopyAsync(NpgsqlConnection connection, string statement, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var lines = new LineCounter();
        try
        {
            var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                file.Seek(_skip, SeekOrigin.Begin);
                // A text import's writer is a StreamWriter over the COPY's data stream: the file's UTF-8 bytes go to
                // that stream as they are, without being decoded into characters and encoded again.
                var writer = await connection.BeginTextImportAsync(statement, cancellationToken).ConfigureAwait(false);
                await using (writer.ConfigureAwait(false))
                {
                    var copy = ((StreamWriter)writer).BaseStream;
                    try
                    {
                        while (await file.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false) is var read and > 0)
                        {
                            lines.Add(buffer.AsSpan(0, read));
                            await copy.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        await ((NpgsqlCopyTextWriter)writer).CancelAsync().ConfigureAwait(false);
                        throw;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Math.Max(0, lines.Total - 1);
    }

    /// <summary>
    /// Counts lines as COPY splits them: a line feed ends a line unless it is inside quotes (a quote toggles, so a
    /// doubled quote inside a quoted field toggles twice); a last line without a line feed counts too.
    /// </summary>
    private struct LineCounter
    {
        private long _ended;
        private bool _inQuotes;
        private bool _open;

        public readonly long Total => _ended + (_open ? 1 : 0);

        public void Add(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty)
            {
                return;
            }

            var last = bytes[^1];
            if (!_inQuotes && !bytes.Contains((byte)'"'))
            {
                _ended += bytes.Count((byte)'\n');
            }
            else
            {
                Scan(bytes);
            }

            // A line feed that ends the block inside quotes is data, not the end of a line.
            _open = last != (byte)'\n' || _inQuotes;
        }

        private void Scan(ReadOnlySpan<byte> bytes)
        {
            while (bytes.IndexOfAny((byte)'"', (byte)'\n') is var at and >= 0)
            {
                if (bytes[at] == (byte)'"')
                {
                    _inQuotes = !_inQuotes;
                }
                else if (!_inQuotes)
                {
                    _ended++;
                }

                bytes = bytes[(at + 1)..];
            }
        }
    }
}
