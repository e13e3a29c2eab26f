using System.Data.Common;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

/// <summary>
/// One in-memory DuckDB database for one attempt: files become views, SQL runs with the attempt's cancellation token
/// (a cancelled token interrupts the running statement), and results are copied to files that appear complete or not at all.
/// </summary>
public sealed class DuckSession : IDisposable
{
    private static readonly TimeSpan InterruptInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Where a session stages rows and spills, inside the data directory (the only place DuckDB may touch).</summary>
    private const string StagingDirectory = ".duckdb";

    private readonly DuckDBConnection _connection;
    private readonly DataDirectory _data;
    private readonly CancellationToken _cancellationToken;
    private readonly TimeProvider _time;
    private readonly List<string> _staged = [];

    private DuckSession(DuckDBConnection connection, DataDirectory data, CancellationToken cancellationToken, TimeProvider time)
    {
        _connection = connection;
        _data = data;
        _cancellationToken = cancellationToken;
        _time = time;
    }

    public static DuckSession Open(ActivityContext context)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        try
        {
            connection.Open();
            Confine(connection, context.Data);
            return new DuckSession(connection, context.Data, context.CancellationToken, context.Time);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SQL of a task (a transform, a quality check, a clean filter) reads and writes files inside the data directory
    /// only: external access is switched off except for that directory, and the configuration locked so that the
    /// SQL cannot switch it back on.
    /// </summary>
    private static void Confine(DuckDBConnection connection, DataDirectory data)
    {
        var root = data.Root.EndsWith(Path.DirectorySeparatorChar) ? data.Root : data.Root + Path.DirectorySeparatorChar;
        foreach (var setting in (string[])[
                     $"SET allowed_directories = [{DuckSql.Literal(root)}]",
                     $"SET temp_directory = {DuckSql.Literal(Path.Combine(root, StagingDirectory, "spill"))}",
                     "SET enable_external_access = false",
                     "SET autoinstall_known_extensions = false",
                     "SET lock_configuration = true"])
        {
            using var command = connection.CreateCommand();
            command.CommandText = setting;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Makes a file inside the data directory readable as the view <paramref name="name"/>.</summary>
    public RecordFormat CreateView(string name, string path, string? format = null)
    {
        var full = _data.Resolve(path);
        if (!File.Exists(full))
        {
            throw new ActivityFailedException($"input '{path}' does not exist");
        }

        var resolved = RecordFormats.Resolve(full, format);
        Execute($"CREATE VIEW {DuckSql.Identifier(name)} AS SELECT * FROM {DuckSql.ReadFile(full, resolved)}");
        return resolved;
    }

    /// <summary>Makes records read by other means readable as the view <paramref name="name"/> (staged as jsonl until the session ends).</summary>
    public void CreateView(string name, IReadOnlyList<Dictionary<string, object?>> rows)
    {
        var staged = Path.Combine(Directory.CreateDirectory(Path.Combine(_data.Root, StagingDirectory)).FullName, $"{Guid.NewGuid():N}.jsonl");
        _staged.Add(staged);
        using (var writer = File.CreateText(staged))
        {
            foreach (var row in rows)
            {
                writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(row, Core.Json.OrchestratorJson.Activities));
            }
        }

        Execute($"CREATE VIEW {DuckSql.Identifier(name)} AS SELECT * FROM {DuckSql.ReadFile(staged, RecordFormat.Jsonl)}");
    }

    /// <summary>Every row of a query with its values as .NET values (dates as text), for writers DuckDB does not have.</summary>
    public (IReadOnlyList<string> Columns, IReadOnlyList<Dictionary<string, object?>> Rows) Values(string sql) => Run(sql, command =>
    {
        using var reader = command.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Length; i++)
            {
                row[columns[i]] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
                {
                    string or bool or long or int or short or sbyte or byte or double or float or decimal or DateTime => reader.GetValue(i),
                    var other => JsonValueOf(reader, i)?.ToString(),
                };
            }

            rows.Add(row);
        }

        return ((IReadOnlyList<string>)columns, (IReadOnlyList<Dictionary<string, object?>>)rows);
    });

    public long Execute(string sql) => Run(sql, command => command.ExecuteNonQuery());

    public object? Scalar(string sql) => Run(sql, command => command.ExecuteScalar() is var value && value is DBNull ? null : value);

    public long Count(string sql) => Convert.ToInt64(Scalar(sql), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The rows of a query as JSON objects (for samples: keep the query small).</summary>
    public IReadOnlyList<JsonObject> Rows(string sql) => Run(sql, command =>
    {
        using var reader = command.ExecuteReader();
        var rows = new List<JsonObject>();
        while (reader.Read())
        {
            var row = new JsonObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = JsonValueOf(reader, i);
            }

            rows.Add(row);
        }

        return rows;
    });

    /// <summary>The column names and DuckDB types of a query, without running it.</summary>
    public IReadOnlyList<(string Name, string Type)> Columns(string sql)
        => Rows($"DESCRIBE {sql}").Select(r => ((string)r["column_name"]!, (string)r["column_type"]!)).ToArray();

    /// <summary>
    /// Writes the rows of <paramref name="query"/> to <paramref name="path"/> (inside the data directory): COPY to a
    /// temporary file beside it, then a durable replace. Returns the path written and the row count.
    /// </summary>
    public async Task<(string FullPath, RecordFormat Format, long Rows)> CopyToAsync(string query, string path, string? format)
    {
        var full = _data.Resolve(path);
        var resolved = RecordFormats.Resolve(full, format);
        var options = DuckSql.CopyOptions(resolved);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var staged = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.duck");
        try
        {
            var rows = Execute($"COPY ({query}) TO {DuckSql.Literal(staged)} ({options})");
            await DurableFile.WriteAsync(full, async target =>
            {
                var source = File.OpenRead(staged);
                await using (source.ConfigureAwait(false))
                {
                    await source.CopyToAsync(target, _cancellationToken).ConfigureAwait(false);
                }
            }, _cancellationToken).ConfigureAwait(false);
            return (full, resolved, rows);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    private T Run<T>(string sql, Func<DbCommand, T> run)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var finished = new CancellationTokenSource();
        var registration = _cancellationToken.Register(() => _ = InterruptUntilFinishedAsync(command, finished.Token));
        try
        {
            return run(command);
        }
        catch (DuckDBException e) when (_cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the statement was interrupted", e, _cancellationToken);
        }
        catch (DuckDBException e)
        {
            var message = $"{e.Message.Trim()} (in: {DuckSql.Excerpt(sql)})";
                        var type = TypeOf(e);
            throw IsPermanent(type)
                ? new PermanentActivityException(message, $"DuckDB {type} error", e)
                : new ActivityFailedException(message, e);
        }
        finally
        {
            registration.Dispose();
            finished.Cancel();
        }
    }

    /// <summary>The error's type; errors of preparing a statement carry none, only their message's prefix ("Binder Error: ...").</summary>
    private static DuckDBErrorType TypeOf(DuckDBException e)
    {
        var end = e.Message.IndexOf(" Error:", StringComparison.Ordinal);
        return e.ErrorType == DuckDBErrorType.Invalid && end > 0
            && Enum.TryParse<DuckDBErrorType>(e.Message[..end].Replace(" ", "", StringComparison.Ordinal), ignoreCase: true, out var parsed)
            ? parsed
            : e.ErrorType;
    }

    /// <summary>Errors of the statement or the data, which the same statement over the same files repeats.</summary>
    private static bool IsPermanent(DuckDBErrorType type) => type is DuckDBErrorType.Parser or DuckDBErrorType.Syntax
        or DuckDBErrorType.Binder or DuckDBErrorType.Catalog or DuckDBErrorType.Conversion or DuckDBErrorType.MismatchType
        or DuckDBErrorType.OutOfRange or DuckDBErrorType.DivideByZero or DuckDBErrorType.InvalidType or DuckDBErrorType.Permission;

    /// <summary>
    /// DuckDB forgets an interrupt that arrives before the statement has begun (it clears the flag at the start of a query),
    /// so a cancelled attempt keeps interrupting until the statement returns.
    /// </summary>
    private async Task InterruptUntilFinishedAsync(DbCommand command, CancellationToken finished)
    {
        try
        {
            while (!finished.IsCancellationRequested)
            {
                command.Cancel();
                await Task.Delay(InterruptInterval, _time, finished).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The statement returned.
        }
    }

    private static JsonNode? JsonValueOf(DbDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        return reader.GetValue(ordinal) switch
        {
            string text => JsonValue.Create(text),
            bool flag => JsonValue.Create(flag),
            sbyte or byte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture)),
            ulong large => JsonValue.Create(large),
            float single => JsonValue.Create((double)single),
            double number => JsonValue.Create(number),
            decimal exact => JsonValue.Create(exact),
            DateTime time => JsonValue.Create(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            DateTimeOffset time => JsonValue.Create(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            DateOnly date => JsonValue.Create(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            var other => JsonValue.Create(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    public void Dispose()
    {
        _connection.Dispose();
        foreach (var staged in _staged)
        {
            File.Delete(staged);
        }
    }
}
