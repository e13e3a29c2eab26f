using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Activities;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Validation;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// sql.load against psql's <c>\copy</c>: the same generated CSV of transaction-like rows loaded into tables of one
/// throwaway PostgreSQL cluster (fsync off) — by the sql.load activity through the in-process engine (sample the CSV,
/// infer the columns, create the table, stream the file to COPY … FORMAT csv), by psql (CSV COPY into a table created
/// beforehand with the same column types), and by sql.load with <c>parseCsv</c> (records parsed, binary COPY). Then
/// into a SQLite file: sql.load against the sqlite3 shell's <c>.import</c> into a table of the same column types.
/// Each timing covers the whole operation, the tools' process start included.
/// </summary>
internal static class SqlLoadBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var rows = args.Select((a, i) => (a, i)).Where(p => p.a == "--rows" && p.i + 1 < args.Length)
            .Select(p => int.Parse(args[p.i + 1], CultureInfo.InvariantCulture)).DefaultIfEmpty(1_000_000).First();
        var data = Directory.CreateTempSubdirectory("orchestrator-sql-bench-").FullName;
        try
        {
            var csv = Path.Combine(data, "transactions.csv");
            Generate(csv, rows);
            var cluster = await PostgresCluster.SharedAsync();
            var connectionString = await cluster.CreateDatabaseAsync("sqlbench");
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            var psql = FindPsql();
            Console.WriteLine($"sql.load benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version}, {await VersionAsync(connectionString)}): " +
                              $"{rows:N0} rows, {new FileInfo(csv).Length / 1e6:F1} MB of CSV");

            await using var services = new ServiceCollection()
                .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Orchestrator:Connections:warehouse:type"] = "postgresql",
                    ["Orchestrator:Connections:warehouse:host"] = builder.Host,
                    ["Orchestrator:Connections:warehouse:port"] = builder.Port.ToString(CultureInfo.InvariantCulture),
                    ["Orchestrator:Connections:warehouse:database"] = builder.Database,
                    ["Orchestrator:Connections:warehouse:username"] = builder.Username,
                    ["Orchestrator:Connections:lite:type"] = "sqlite",
                    ["Orchestrator:Connections:lite:path"] = "bench.db",
                }).Build())
                .AddOrchestratorCore(data)
                .AddOrchestratorActivities()
                .BuildServiceProvider();

            // Warm-up (not counted): the engine and the activity's code paths JIT-compiled on a small file.
            var warm = Path.Combine(data, "warm.csv");
            Generate(warm, 1_000);
            await LoadAsync(services, "warm.csv", "warm", """ "parseCsv": true """);
            await LoadAsync(services, "warm.csv", "warm");

            var watch = Stopwatch.StartNew();
            var loaded = await LoadAsync(services, "transactions.csv", "loaded");
            var loadSeconds = watch.Elapsed.TotalSeconds;

            await ExecuteAsync(connectionString, "CREATE TABLE copied (LIKE loaded)");
            watch.Restart();
            await RunAsync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture),
                "-U", builder.Username!, "-d", builder.Database!, "-c", $"\\copy copied FROM '{csv}' CSV HEADER"]);
            var copySeconds = watch.Elapsed.TotalSeconds;
            var copied = (long)(await ScalarAsync(connectionString, "SELECT count(*) FROM copied"))!;

            // The parsing path: every record read, converted to its column's type and written through binary COPY
            // (what json, jsonl, parquet and a CSV that COPY refuses take).
            watch.Restart();
            var parsed = await LoadAsync(services, "transactions.csv", "parsed", """ "parseCsv": true """);
            var parseSeconds = watch.Elapsed.TotalSeconds;

            // SQLite: the activity against the sqlite3 shell's .import into a table of the same column types, same file.
            var database = Path.Combine(data, "bench.db");
            watch.Restart();
            var sqliteLoaded = await LoadAsync(services, "transactions.csv", "loaded", """ "connection": "lite" """);
            var sqliteSeconds = watch.Elapsed.TotalSeconds;
            var create = await RunAsync("sqlite3", [database, "SELECT sql FROM sqlite_master WHERE name = 'loaded'"]);
            await RunAsync("sqlite3", [database, create.Trim().Replace("\"loaded\"", "\"imported\"", StringComparison.Ordinal)]);
            watch.Restart();
            await RunAsync("sqlite3", [database, $".import --csv --skip 1 {csv} imported"]);
            var importSeconds = watch.Elapsed.TotalSeconds;
            var imported = long.Parse(await RunAsync("sqlite3", [database, "SELECT count(*) FROM imported"]), CultureInfo.InvariantCulture);

            // What the parsing path spends before PostgreSQL sees a byte: the file read and parsed into records.
            watch.Restart();
            long read = 0;
            await foreach (var _ in Orchestrator.Activities.DataFiles.RecordReader.ReadAsync(csv, Orchestrator.Activities.DataFiles.RecordFormat.Csv, CancellationToken.None))
            {
                read++;
            }

            var readSeconds = watch.Elapsed.TotalSeconds;

            Console.WriteLine($"{"tool",-44} {"rows",12} {"seconds",9} {"rows/s",12}");
            Line("sql.load (CSV streamed to COPY, engine)", loaded, loadSeconds);
            Line("psql \\copy ... CSV HEADER", copied, copySeconds);
            Line("sql.load parseCsv (binary COPY, engine)", parsed, parseSeconds);
            Line("(RecordReader alone: CSV read)", read, readSeconds);
            Line("sql.load into SQLite (engine)", sqliteLoaded, sqliteSeconds);
            Line("sqlite3 .import --csv", imported, importSeconds);
            Console.WriteLine($"sql.load / \\copy: {copySeconds / loadSeconds:P0} (goal 70 %); parsed / \\copy: {copySeconds / parseSeconds:P0}; " +
                              $"sql.load into SQLite / sqlite3 .import: {importSeconds / sqliteSeconds:P0}");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static void Generate(string path, int rows)
    {
        var random = new Random(42);
        string[] currencies = ["EUR", "USD", "GBP", "CHF"];
        string[] merchants = ["grocer", "fuel", "books", "travel", "pharmacy", "electronics", "cafe"];
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.WriteLine("transaction_id,customer_id,amount,currency,merchant,approved,created_at");
        for (var i = 1; i <= rows; i++)
        {
            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(random.Next(1, 50_000).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write((random.Next(100, 5_000_000) / 100.0).ToString("0.00", CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(currencies[random.Next(currencies.Length)]);
            writer.Write(',');
            writer.Write(merchants[random.Next(merchants.Length)]);
            writer.Write(',');
            writer.Write(random.Next(20) == 0 ? "false" : "true");
            writer.Write(',');
            writer.WriteLine(start.AddSeconds(i * 3).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        }
    }

    private static void Line(string tool, long rows, double seconds) => Console.WriteLine($"{tool,-44} {rows,12:N0} {seconds,9:F2} {rows / seconds,12:N0}");

    private static async Task<long> LoadAsync(ServiceProvider services, string path, string table, string more = "")
    {
        var with = $$""" "path": "{{path}}", "table": "{{table}}" """ + (more.Length > 0 ? "," + more : "");
        var json = $$"""{ "id": "bench", "tasks": [ { "id": "t", "activity": "sql.load", "with": { {{with}} } } ] }""";
        var validated = services.GetRequiredService<WorkflowValidator>().Validate("bench.json", json);
        var plan = WorkflowPlan.Compile(validated.Definition!, services.GetRequiredService<ActivityRegistry>());
        var result = await services.GetRequiredService<LocalRun>().RunAsync(plan, new RunRequest());
        var task = result.Tasks.Single();
        if (task.Outputs is not { } outputs || !outputs.TryGetProperty("rowsLoaded", out var loaded))
        {
            throw new InvalidOperationException($"sql.load ended {task.State}: {string.Join(" | ", result.Attempts.Select(a => a.Error))}");
        }

        return loaded.GetInt64();
    }

    /// <summary>Runs a program to its end; its standard output.</summary>
    private static async Task<string> RunAsync(string program, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process.ExitCode}: {await stdout}{await stderr}");
        }

        return await stdout;
    }

    /// <summary>psql from the same PostgreSQL installation the cluster runs (Debian's postgresql package).</summary>
    private static string FindPsql()
        => Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")).Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0)
                .FirstOrDefault() ?? throw new InvalidOperationException("psql not found under /usr/lib/postgresql: install the postgresql package")
            : throw new InvalidOperationException("PostgreSQL not found under /usr/lib/postgresql: install the postgresql package");

    private static async Task<string> VersionAsync(string connectionString)
        => "PostgreSQL " + await ScalarAsync(connectionString, "SHOW server_version");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
