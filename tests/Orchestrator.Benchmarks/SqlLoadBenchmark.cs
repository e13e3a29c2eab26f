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
/// sql.load against psql's <c>\copy</c>: the same generated CSV of transaction-like rows loaded into two tables of one
/// throwaway PostgreSQL cluster (fsync off) — by the sql.load activity through the in-process engine (read and parse
/// the CSV, infer the columns, create the table, binary COPY) and by psql (text COPY into a table created beforehand
/// with the same column types). Each timing covers the whole operation, psql's process start included.
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
                }).Build())
                .AddOrchestratorCore(data)
                .AddOrchestratorActivities()
                .BuildServiceProvider();

            var watch = Stopwatch.StartNew();
            var loaded = await LoadAsync(services, "transactions.csv", "loaded");
            var loadSeconds = watch.Elapsed.TotalSeconds;

            await ExecuteAsync(connectionString, "CREATE TABLE copied (LIKE loaded)");
            watch.Restart();
            await RunPsqlAsync(psql, builder, $"\\copy copied FROM '{csv}' CSV HEADER");
            var copySeconds = watch.Elapsed.TotalSeconds;
            var copied = (long)(await ScalarAsync(connectionString, "SELECT count(*) FROM copied"))!;

            // What the activity spends before PostgreSQL sees a byte: the file read and parsed into records.
            watch.Restart();
            long read = 0;
            await foreach (var _ in Orchestrator.Activities.DataFiles.RecordReader.ReadAsync(csv, Orchestrator.Activities.DataFiles.RecordFormat.Csv, CancellationToken.None))
            {
                read++;
            }

            var readSeconds = watch.Elapsed.TotalSeconds;

            Console.WriteLine($"{"tool",-34} {"rows",12} {"seconds",9} {"rows/s",12}");
            Console.WriteLine($"{"sql.load (binary COPY, engine)",-34} {loaded,12:N0} {loadSeconds,9:F2} {loaded / loadSeconds,12:N0}");
            Console.WriteLine($"{"psql \\copy ... CSV HEADER",-34} {copied,12:N0} {copySeconds,9:F2} {copied / copySeconds,12:N0}");
            Console.WriteLine($"{"(RecordReader alone: CSV read)",-34} {read,12:N0} {readSeconds,9:F2} {read / readSeconds,12:N0}");
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

    private static async Task<long> LoadAsync(ServiceProvider services, string path, string table)
    {
        var json = $$"""{ "id": "bench", "tasks": [ { "id": "t", "activity": "sql.load", "with": { "path": "{{path}}", "table": "{{table}}" } } ] }""";
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

    private static async Task RunPsqlAsync(string psql, NpgsqlConnectionStringBuilder builder, string command)
    {
        var start = new ProcessStartInfo(psql) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture),
                     "-U", builder.Username!, "-d", builder.Database!, "-c", command })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql exited {process.ExitCode}: {await stdout}{await stderr}");
        }
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
