using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Tests.Support;

namespace Orchestrator.Activities.Tests.Sql;

/// <summary>sql.load, sql.execute and sql.query on a real PostgreSQL database (one per test).</summary>
public sealed class PostgresSqlActivitiesTests
{
    private const string TransactionsCsv = """
        transaction_id,customer,amount,approved,created_at,note
        1,alice,12.5,true,2026-01-01T10:00:00Z,first
        2,bob,7,false,2026-01-01T11:30:00Z,
        3,carol,100.25,true,2026-01-02T09:15:00+02:00,"with, comma"
        """;

    [Fact]
    public async Task Load_CreatesTableWithInferredColumnTypes_WhenCsvIntoNewTable()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsv");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);

        var outputs = await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "transactions" });

        Assert.Equal(3, outputs.GetProperty("rowsLoaded").GetInt64());
        Assert.True(outputs.GetProperty("created").GetBoolean());
        Assert.Equal("transactions", outputs.GetProperty("table").GetString());
        var types = await SqlTasks.PostgresColumnTypesAsync(database, "transactions");
        Assert.Equal("bigint", types["transaction_id"]);
        Assert.Equal("text", types["customer"]);
        Assert.Equal("double precision", types["amount"]);
        Assert.Equal("boolean", types["approved"]);
        Assert.Equal("timestamp with time zone", types["created_at"]);
        Assert.Equal("text", types["note"]);
        Assert.Equal(3L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM transactions"));
        Assert.Equal("with, comma", await SqlTasks.ScalarAsync(database, "SELECT note FROM transactions WHERE transaction_id = 3"));
        Assert.Equal(DBNull.Value, await SqlTasks.ScalarAsync(database, "SELECT note FROM transactions WHERE transaction_id = 2"));
        Assert.Equal(new DateTime(2026, 1, 2, 7, 15, 0, DateTimeKind.Utc),
            await SqlTasks.ScalarAsync(database, "SELECT created_at FROM transactions WHERE transaction_id = 3"));
    }

    [Fact]
    public async Task Load_WritesEveryRecord_WhenJsonlAndParquetIntoNewTables()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlfiles");
        await using var _ = harness;
        var records = Enumerable.Range(1, 2_500)
            .Select(i => new JsonObject { ["id"] = i, ["city"] = $"city-{i % 7}", ["temperature"] = i / 10.0, ["tags"] = new JsonObject { ["n"] = i } })
            .ToList();
        await RecordWriter.WriteAsync(harness.PathOf("w.jsonl"), RecordFormat.Jsonl, records, null, CancellationToken.None);
        var flat = records.Select(r => new JsonObject { ["id"] = r["id"]!.DeepClone(), ["city"] = r["city"]!.DeepClone(), ["temperature"] = r["temperature"]!.DeepClone() }).ToList();
        await RecordWriter.WriteAsync(harness.PathOf("w.parquet"), RecordFormat.Parquet, flat, null, CancellationToken.None);

        var fromJsonl = await SqlTasks.RunAsync(harness, "sql.load", new { path = "w.jsonl", table = "weather_jsonl" });
        var fromParquet = await SqlTasks.RunAsync(harness, "sql.load", new { path = "w.parquet", table = "weather_parquet" });

        Assert.Equal(2_500, fromJsonl.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(2_500, fromParquet.GetProperty("rowsLoaded").GetInt64());
        var jsonlTypes = await SqlTasks.PostgresColumnTypesAsync(database, "weather_jsonl");
        Assert.Equal(["bigint", "text", "double precision", "jsonb"], jsonlTypes.Values);
        var parquetTypes = await SqlTasks.PostgresColumnTypesAsync(database, "weather_parquet");
        Assert.Equal(["bigint", "text", "double precision"], parquetTypes.Values);
        Assert.Equal(2_500L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM weather_parquet"));
        Assert.Equal(3137.5, (double)(await SqlTasks.ScalarAsync(database, "SELECT sum(temperature) FROM weather_parquet WHERE id <= 250"))!, 6);
        Assert.Equal(42, await SqlTasks.ScalarAsync(database, "SELECT (tags->>'n')::int FROM weather_jsonl WHERE id = 42"));
    }

    [Fact]
    public async Task Load_AppendsReplacesAndUpserts_WhenModesGiven()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlmodes");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);
        await File.WriteAllTextAsync(harness.PathOf("changes.csv"), """
            transaction_id,customer,amount,approved,created_at,note
            2,bob,8,true,2026-01-01T11:30:00Z,corrected
            4,dave,1,true,2026-01-03T00:00:00Z,new
            4,dave,2,true,2026-01-03T00:00:00Z,newer
            """);

        await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "appended" });
        var second = await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "appended", mode = "append" });
        await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "replaced" });
        await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "replaced", mode = "replace" });
        var created = await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "upserted", mode = "upsert", keys = new[] { "transaction_id" } });
        var upsert = await SqlTasks.RunAsync(harness, "sql.load", new { path = "changes.csv", table = "upserted", mode = "upsert", keys = new[] { "transaction_id" } });

        Assert.False(second.GetProperty("created").GetBoolean());
        Assert.Equal(6L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM appended"));
        Assert.Equal(3L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM replaced"));
        Assert.True(created.GetProperty("created").GetBoolean());
        Assert.Equal(3, upsert.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(4L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM upserted"));
        Assert.Equal(4L, await SqlTasks.ScalarAsync(database, "SELECT count(DISTINCT transaction_id) FROM upserted"));
        Assert.Equal("corrected", await SqlTasks.ScalarAsync(database, "SELECT note FROM upserted WHERE transaction_id = 2"));
        Assert.Equal(8.0, await SqlTasks.ScalarAsync(database, "SELECT amount FROM upserted WHERE transaction_id = 2"));
        Assert.Equal("newer", await SqlTasks.ScalarAsync(database, "SELECT note FROM upserted WHERE transaction_id = 4"));
        Assert.Equal("first", await SqlTasks.ScalarAsync(database, "SELECT note FROM upserted WHERE transaction_id = 1"));
    }

    [Fact]
    public async Task Load_ConvertsToExistingColumnTypes_WhenTableExists()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlexisting");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);
        await SqlTasks.RunAsync(harness, "sql.execute", new
        {
            sql = "CREATE SCHEMA mart; CREATE TABLE mart.\"Tx\" (transaction_id integer PRIMARY KEY, customer varchar(20), amount numeric(10,2), " +
                  "approved boolean, created_at timestamp, note text, loaded_at timestamptz DEFAULT now()); CREATE TABLE mart.parsed (LIKE mart.\"Tx\" INCLUDING ALL)",
        });

        var outputs = await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", schema = "mart", table = "Tx" });
        var parsed = await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", schema = "mart", table = "parsed", parseCsv = true });

        Assert.False(outputs.GetProperty("created").GetBoolean());
        Assert.Equal("mart.Tx", outputs.GetProperty("table").GetString());
        Assert.Equal(3, parsed.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(100.25m, await SqlTasks.ScalarAsync(database, "SELECT amount FROM mart.\"Tx\" WHERE transaction_id = 3"));
        Assert.Equal(3L, await SqlTasks.ScalarAsync(database, "SELECT count(loaded_at) FROM mart.\"Tx\""));
        const string rows = "SELECT json_agg(json_build_array(transaction_id, customer, amount, approved, created_at, note) ORDER BY transaction_id)::text FROM ";
        Assert.Equal(await SqlTasks.ScalarAsync(database, rows + "mart.\"Tx\""), await SqlTasks.ScalarAsync(database, rows + "mart.parsed"));
        Assert.Equal(new DateTime(2026, 1, 2, 9, 15, 0), await SqlTasks.ScalarAsync(database, "SELECT created_at FROM mart.parsed WHERE transaction_id = 3"));
    }

    [Fact]
    public async Task Query_ReadsIndexedMaterializedView_WhenExecuteCreatedThem()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlview");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("tx.csv"), TransactionsCsv);
        await SqlTasks.RunAsync(harness, "sql.load", new { path = "tx.csv", table = "transactions" });

        var executed = await SqlTasks.RunAsync(harness, "sql.execute", new
        {
            sql = """
                  CREATE INDEX transactions_customer ON transactions (customer);
                  CREATE MATERIALIZED VIEW approved_by_customer AS
                    SELECT customer, sum(amount) AS total, count(*) AS n FROM transactions WHERE approved GROUP BY customer;
                  UPDATE transactions SET note = @note WHERE amount > @min;
                  """,
            parameters = new Dictionary<string, object> { ["note"] = "big", ["min"] = 10 },
        });
        var queried = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            sql = "SELECT customer, total, n FROM approved_by_customer WHERE total >= @min AND customer <> @skip ORDER BY customer",
            parameters = new Dictionary<string, object> { ["min"] = 10.0, ["skip"] = "nobody" },
        });

        Assert.Equal(2, executed.GetProperty("rowsAffected").GetInt64());
        Assert.Equal("transactions_customer", await SqlTasks.ScalarAsync(database, "SELECT indexname FROM pg_indexes WHERE tablename = 'transactions'"));
        Assert.Equal(2, queried.GetProperty("rowCount").GetInt64());
        var rows = queried.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal("alice", rows[0].GetProperty("customer").GetString());
        Assert.Equal(12.5, rows[0].GetProperty("total").GetDouble());
        Assert.Equal(1, rows[0].GetProperty("n").GetInt64());
        Assert.Equal("carol", rows[1].GetProperty("customer").GetString());
    }

    [Fact]
    public async Task Query_WritesRowsToFile_WhenPathGiven()
    {
        var (harness, _) = await SqlTasks.PostgresAsync("sqlpath");
        await using var __ = harness;

        var outputs = await SqlTasks.RunAsync(harness, "sql.query", new
        {
            sql = "SELECT g AS id, now() AS at, 'row ' || g AS label FROM generate_series(1, 5000) g",
            path = "out/rows.parquet",
        });

        Assert.Equal(5000, outputs.GetProperty("rowCount").GetInt64());
        Assert.Empty(outputs.GetProperty("rows").EnumerateArray());
        var count = 0;
        await foreach (var record in RecordReader.ReadAsync(harness.PathOf("out/rows.parquet"), RecordFormat.Parquet, CancellationToken.None))
        {
            count++;
            Assert.Equal($"row {count}", record!["label"]!.GetValue<string>());
        }

        Assert.Equal(5000, count);
    }

    [Fact]
    public async Task Query_FailsSuggestingPath_WhenRowsExceedOutputs()
    {
        var (harness, _) = await SqlTasks.PostgresAsync("sqlbig");
        await using var __ = harness;

        var tooMany = await SqlTasks.FailAsync(harness, "sql.query", new { sql = "SELECT g FROM generate_series(1, 11) g", maxRows = 10 });
        var tooLarge = await SqlTasks.FailAsync(harness, "sql.query", new { sql = "SELECT repeat('x', 1000) AS wide FROM generate_series(1, 100) g" });

        Assert.Contains("more than maxRows (10)", tooMany, StringComparison.Ordinal);
        Assert.Contains("set path", tooLarge, StringComparison.Ordinal);
        Assert.Contains("64 KiB", tooLarge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_FailsNamingStatementAndDatabaseError_WithoutPassword()
    {
        const string password = "Sup3r-secret-pw";
        var (harness, database) = await SqlTasks.PostgresAsync("sqlerror", password);
        await using var _ = harness;

        var error = await SqlTasks.FailAsync(harness, "sql.execute", new
        {
            sql = "CREATE TABLE kept (id int); INSERT INTO missing_table VALUES (1); CREATE TABLE never (id int)",
        });

        Assert.Contains("statement 2 of 3 'INSERT INTO missing_table VALUES (1)' failed", error, StringComparison.Ordinal);
        Assert.DoesNotContain("CREATE TABLE never", error, StringComparison.Ordinal);
        Assert.Contains("42P01", error, StringComparison.Ordinal);
        Assert.Contains("relation \"missing_table\" does not exist", error, StringComparison.Ordinal);
        Assert.Contains("warehouse", error, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error, StringComparison.Ordinal);
        Assert.Equal(DBNull.Value, await SqlTasks.ScalarAsync(database, "SELECT to_regclass('kept')::text"));
    }

    [Fact]
    public async Task Open_FailsWithoutPassword_WhenDatabaseIsUnreachable()
    {
        const string password = "An0ther-secret-pw";
        await using var harness = new WorkflowHarness(new Dictionary<string, string?>
        {
            ["Orchestrator:Connections:warehouse:uri"] = $"postgresql://loader:{password}@127.0.0.1:1/nowhere?timeout=2",
        });

        var error = await SqlTasks.FailAsync(harness, "sql.query", new { sql = "SELECT 1" });

        Assert.Contains("cannot open warehouse (postgresql:", error, StringComparison.Ordinal);
        Assert.Contains("password=***", error, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error, StringComparison.Ordinal);
    }
}
