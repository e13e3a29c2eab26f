using Microsoft.Data.Sqlite;
using Orchestrator.Activities.Tests.Support;

namespace Orchestrator.Activities.Tests.Sql;

/// <summary>sql.load, sql.execute and sql.query on SQLite files in the data directory, and connections they refuse.</summary>
public sealed class SqliteSqlActivitiesTests
{
    private const string TransactionsCsv = """
        transaction_id,customer,amount,approved,created_at
        1,alice,12.5,true,2026-01-01T10:00:00Z
        2,bob,7,false,2026-01-01T11:30:00Z
        3,carol,100.25,true,2026-01-02T09:15:00Z
        """;

    private static async Task<List<(string Name, string Type)>> ColumnsAsync(string file, string table)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, type FROM pragma_table_info($t)";
        command.Parameters.AddWithValue("$t", table);
        var columns = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns;
    }

    [Fact]
    public async Task Load_CreatesTableInEmbeddedWarehouse_WhenNoConnectionConfigured()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);

        var loaded = await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "transactions" });
        var queried = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            sql = "SELECT customer, amount FROM transactions WHERE approved = @approved ORDER BY amount DESC",
            parameters = new Dictionary<string, object> { ["approved"] = true },
        });

        Assert.Equal(3, loaded.GetProperty("rowsLoaded").GetInt64());
        Assert.True(loaded.GetProperty("created").GetBoolean());
        Assert.Equal(
            [("transaction_id", "INTEGER"), ("customer", "TEXT"), ("amount", "REAL"), ("approved", "INTEGER"), ("created_at", "TEXT")],
            await ColumnsAsync(harness.PathOf("warehouse.db"), "transactions"));
        Assert.Equal(2, queried.GetProperty("rowCount").GetInt64());
        Assert.Equal("carol", queried.GetProperty("rows")[0].GetProperty("customer").GetString());
        Assert.Equal(100.25, queried.GetProperty("rows")[0].GetProperty("amount").GetDouble());
    }

    [Fact]
    public async Task Load_UpdatesRowsWithoutDuplicates_WhenUpsertIntoSqlite()
    {
        await using var harness = new WorkflowHarness(new Dictionary<string, string?> { ["Orchestrator:Connections:mart:uri"] = "sqlite:db/mart.sqlite" });
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);
        await File.WriteAllTextAsync(harness.PathOf("changes.jsonl"), """
            {"transaction_id":2,"customer":"bob","amount":8,"approved":true,"created_at":"2026-01-01T11:30:00Z"}
            {"transaction_id":4,"customer":"dave","amount":1,"approved":true,"created_at":"2026-01-03T00:00:00Z"}
            {"transaction_id":4,"customer":"dave","amount":2,"approved":true,"created_at":"2026-01-03T00:00:00Z"}
            """);

        await SqlTasks.RunAsync(harness, "sql.load", new { connection = "mart", path = "tx.csv", table = "tx", mode = "upsert", keys = new[] { "transaction_id" } });
        await SqlTasks.RunAsync(harness, "sql.load", new { connection = "mart", path = "changes.jsonl", table = "tx", mode = "upsert", keys = new[] { "transaction_id" } });
        await SqlTasks.RunAsync(harness, "sql.load", new { connection = "mart", path = "tx.csv", table = "copy" });
        await SqlTasks.RunAsync(harness, "sql.load", new { connection = "mart", path = "tx.csv", table = "copy", mode = "replace" });
        var queried = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            connection = "mart",
            sql = "SELECT (SELECT count(*) FROM tx) AS n, (SELECT amount FROM tx WHERE transaction_id = 2) AS bob, " +
                  "(SELECT amount FROM tx WHERE transaction_id = 4) AS dave, (SELECT count(*) FROM copy) AS copies",
        });

        var row = queried.GetProperty("rows")[0];
        Assert.Equal(4, row.GetProperty("n").GetInt64());
        Assert.Equal(8, row.GetProperty("bob").GetDouble());
        Assert.Equal(2, row.GetProperty("dave").GetDouble());
        Assert.Equal(3, row.GetProperty("copies").GetInt64());
    }

    [Fact]
    public async Task Execute_RollsBackAndNamesDatabaseError_WhenStatementFails()
    {
        await using var harness = new WorkflowHarness();

        var error = await SqlTasks.FailAsync(harness, "sql.execute", new { sql = "CREATE TABLE kept (id INTEGER); INSERT INTO missing_table VALUES (1)" });
        var tables = await SqlTasks.RunAsync(harness, "sql.query", new { sql = "SELECT count(*) AS n FROM sqlite_master WHERE name = 'kept'" });

        Assert.Contains("no such table: missing_table", error, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO missing_table", error, StringComparison.Ordinal);
        Assert.Equal(0, tables.GetProperty("rows")[0].GetProperty("n").GetInt64());
    }

    [Fact]
    public async Task Execute_Fails_WhenConnectionIsNotSql()
    {
        await using var harness = new WorkflowHarness();

        // A templated connection passes validation, which checks literal names only: the activity refuses it at run time.
        var error = await SqlTasks.FailAsync(harness, "sql.execute", new { connection = "{{ params.database }}", sql = "SELECT 1" },
            new Dictionary<string, string> { ["database"] = "lake" });

        Assert.Contains("connection 'lake' is a file connection; this needs postgresql or sqlite", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FailsNamingColumn_WhenTableLacksFileColumn()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);
        await SqlTasks.RunAsync(harness, "sql.execute", new { sql = "CREATE TABLE tx (transaction_id INTEGER, customer TEXT)" });

        var error = await SqlTasks.FailAsync(harness, "sql.load", new { path = "tx.csv", table = "tx" });

        Assert.Contains("has no column \"amount\", \"approved\", \"created_at\" of the file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_WritesQuotedEmptyAndMultilineValuesInWalMode_WhenCsvIntoSqlite()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("notes.csv"), "id,note,amount\n1,\"say \"\"hi\"\"\",1.5\n2,\"two\nlines\",\n3,\"\",7\n");

        var loaded = await SqlTasks.RunAsync(harness, "sql.load", new { path = "notes.csv", table = "notes" });
        var queried = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            sql = "SELECT (SELECT note FROM notes WHERE id = 1) AS quoted, (SELECT note FROM notes WHERE id = 2) AS multiline, " +
                  "(SELECT count(*) FROM notes WHERE note IS NULL OR amount IS NULL) AS nulls, (SELECT sum(amount) FROM notes) AS total",
        });

        Assert.Equal(3, loaded.GetProperty("rowsLoaded").GetInt64());
        var row = queried.GetProperty("rows")[0];
        Assert.Equal("say \"hi\"", row.GetProperty("quoted").GetString());
        Assert.Equal("two\nlines", row.GetProperty("multiline").GetString());
        Assert.Equal(2, row.GetProperty("nulls").GetInt64());
        Assert.Equal(8.5, row.GetProperty("total").GetDouble());
        await using var connection = new SqliteConnection($"Data Source={harness.PathOf("warehouse.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Load_FailsNamingInsertAndSqliteError_WhenRecordBreaksConstraint()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("keyed.csv"), "id,name,tags\n1,a,x\n2,,y\n");
        await SqlTasks.RunAsync(harness, "sql.execute", new { sql = "CREATE TABLE keyed (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tags TEXT)" });

        var error = await SqlTasks.FailAsync(harness, "sql.load", new { path = "keyed.csv", table = "keyed" });
        var count = await SqlTasks.RunAsync(harness, "sql.query", new { sql = "SELECT count(*) AS n FROM keyed" });

        Assert.Contains("NOT NULL constraint failed: keyed.name", error, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO \"keyed\"", error, StringComparison.Ordinal);
        Assert.Equal(0, count.GetProperty("rows")[0].GetProperty("n").GetInt64());
    }

    [Fact]
    public async Task Load_BindsCellsPastSampleAsRecordsInSample_WhenLargeCsvIntoSqlite()
    {
        await using var harness = new WorkflowHarness();
        // The same awkward records inside the 10,000-record sample (read as records) and after it (bound as cells).
        string[] awkward = ["\"say \"\"hi\"\"\",1.5,TRUE,007", "\"two\nlines\",,false,-12", "\"\",7,true,abc", "plain,1e3,,+5", "\"a,b\",NaN,x"];
        var csv = new System.Text.StringBuilder("id,note,amount,flag,code\n");
        for (var i = 0; i < awkward.Length; i++)
        {
            csv.Append(i + 1).Append(',').Append(awkward[i]).Append('\n');
        }

        for (var i = 6; i <= 10_005; i++)
        {
            csv.Append(i).Append(",filler,").Append(i % 100).Append(".25,true,").Append(i).Append('\n');
        }

        for (var i = 0; i < awkward.Length; i++)
        {
            csv.Append(10_006 + i).Append(',').Append(awkward[i]).Append('\n');
        }

        await File.WriteAllTextAsync(harness.PathOf("big.csv"), csv.ToString());

        var loaded = await SqlTasks.RunAsync(harness, "sql.load", new { path = "big.csv", table = "big" });
        var same = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            sql = "SELECT count(*) AS n FROM big a JOIN big b ON b.id = a.id + 10005 WHERE a.id <= 5 " +
                  "AND a.note IS b.note AND typeof(a.note) = typeof(b.note) AND a.amount IS b.amount AND typeof(a.amount) = typeof(b.amount) " +
                  "AND a.flag IS b.flag AND typeof(a.flag) = typeof(b.flag) AND a.code IS b.code AND typeof(a.code) = typeof(b.code)",
        });
        var tail = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            sql = "SELECT (SELECT note FROM big WHERE id = 10006) AS quoted, (SELECT note FROM big WHERE id = 10007) AS multiline, " +
                  "(SELECT count(*) FROM big WHERE id > 10005 AND note IS NULL) AS nulls, (SELECT code FROM big WHERE id = 10006) AS code",
        });

        Assert.Equal(10_010, loaded.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(5, same.GetProperty("rows")[0].GetProperty("n").GetInt64());
        var row = tail.GetProperty("rows")[0];
        Assert.Equal("say \"hi\"", row.GetProperty("quoted").GetString());
        Assert.Equal("two\nlines", row.GetProperty("multiline").GetString());
        Assert.Equal(1, row.GetProperty("nulls").GetInt64());
        Assert.Equal("007", row.GetProperty("code").GetString());
    }
}
