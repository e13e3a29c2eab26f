using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// The seed-002 reference workflow with <c>orchestrator run</c>: on the embedded default (a SQLite warehouse in the
/// data directory) and against PostgreSQL by configuration only, with the tables, indexes and summary view checked
/// in the database.
/// </summary>
public sealed class TransactionsEtlTests : IDisposable
{
    private static readonly string Workflow = Path.Combine(CliProcess.RepositoryRoot, "workflows", "transactions-etl.json");
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-etl-").FullName;

    // The CLI runs in its own process and the warehouse is read without pooling: no connection is left open here.
    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static Dictionary<string, JsonNode> Tasks(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var report = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("succeeded", (string?)report["state"]);
        return report["tasks"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!["outputs"]!);
    }

    private static void AssertCounts(Dictionary<string, JsonNode> tasks, Func<string, long> count)
    {
        var generated = (long)tasks["generate"]["rows"]!;
        var clean = (long)tasks["clean"]["rowsOut"]!;
        Assert.True(generated > 2000, "the generator adds dirty duplicates to the 2000 rows");
        Assert.InRange(clean, 1800, 2000);
        Assert.Equal(generated, (long)tasks["load_raw"]["rowsLoaded"]!);
        Assert.Equal(clean, (long)tasks["load_clean"]["rowsLoaded"]!);
        Assert.Equal(generated, count("SELECT COUNT(*) FROM transactions_raw"));
        Assert.Equal(clean, count("SELECT COUNT(*) FROM transactions_clean"));
        Assert.Equal(clean, count("SELECT COUNT(DISTINCT transaction_id) FROM transactions_clean"));
        Assert.Equal(count("SELECT COUNT(*) FROM transactions_clean WHERE status = 'APPROVED'"), count("SELECT SUM(transactions) FROM daily_category_summary"));
        Assert.Equal(0, count("SELECT COUNT(*) FROM transactions_clean WHERE amount < 5 OR amount > 750"));
    }

    [Fact]
    public async Task Run_Succeeds_OnTheEmbeddedDefault_WithRawAndCleanTablesAndTheSummaryView()
    {
        var tasks = Tasks(await CliProcess.RunAsync(_work, "run", Workflow, "-p", "rows=2000", "--output", "json"));

        await using var db = new SqliteConnection($"Data Source={Path.Combine(_work, "data", "warehouse.db")};Pooling=False");
        await db.OpenAsync();
        long Count(string sql)
        {
            using var command = db.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        AssertCounts(tasks, Count);
        Assert.Equal(3, Count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'"));
        Assert.True(File.Exists(Path.Combine(_work, "data", (string)tasks["report"]["path"]!)));
    }

    [Fact]
    public async Task Run_Succeeds_OnPostgreSql_WithRawAndCleanTablesIndexesAndAMaterializedView()
    {
        var connectionString = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("etl");
        var uri = PostgresCluster.UriOf(connectionString);

        var tasks = Tasks(await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["ORCHESTRATOR_CONN_WAREHOUSE"] = uri },
            "run", Workflow, "-p", "rows=2000", "-p", "materializedView=true", "--output", "json"));

        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        long Count(string sql)
        {
            using var command = new NpgsqlCommand(sql, db);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        AssertCounts(tasks, Count);
        Assert.Equal(1, Count("SELECT COUNT(*) FROM pg_matviews WHERE matviewname = 'daily_category_summary'"));
        Assert.Equal(3, Count("SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE 'idx_%'"));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = 'transactions_clean' AND i.indisprimary"));
    }
}
