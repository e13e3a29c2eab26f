using Orchestrator.Activities.Tests.Support;

namespace Orchestrator.Activities.Tests.Sql;

/// <summary>sql.load of CSV files into PostgreSQL: streamed to COPY … (FORMAT csv), or parsed, with the same rows either way.</summary>
public sealed class PostgresCsvCopyTests
{
    // Quoted delimiters, doubled quotes, a quoted empty field, empty fields, a line feed and a CRLF inside quotes,
    // a timestamp without offset (UTC), TRUE spelt in capitals, and no line feed after the last record.
    private const string Awkward =
        "id,name,amount,approved,created_at,note\n" +
        "1,alice,12.5,true,2026-01-01T10:00:00Z,plain\n" +
        "2,\"bob, jr\",7,false,2026-01-01 11:30:00,\"say \"\"hi\"\"\"\n" +
        "3,carol,,TRUE,2026-01-02T09:15:00+02:00,\"\"\n" +
        "4,,100.25,,,\"two\nlines\"\n" +
        "5,eve,-3,false,2026-01-03T00:00:00Z,\"crlf\r\ninside\"\n" +
        "6,\"\",0.5,true,2026-01-04T00:00:00Z,last";

    [Fact]
    public async Task Load_LoadsSameRowsStreamedOrParsed_WhenCsvHasQuotesNullsAndNewlines()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvcopy");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("awkward.csv"), Awkward);

        var (streamed, streamedLog) = await SqlTasks.RunLoggedAsync(harness, "sql.load", new { path = "awkward.csv", table = "streamed" });
        var (parsed, parsedLog) = await SqlTasks.RunLoggedAsync(harness, "sql.load", new { path = "awkward.csv", table = "parsed", parseCsv = true });

        Assert.Contains("6 rows streamed from the CSV file through COPY (FORMAT csv)", streamedLog, StringComparison.Ordinal);
        Assert.DoesNotContain("streamed", parsedLog, StringComparison.Ordinal);
        Assert.Equal(6, streamed.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(6, parsed.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(await SqlTasks.PostgresColumnTypesAsync(database, "parsed"), await SqlTasks.PostgresColumnTypesAsync(database, "streamed"));
        var rows = await SqlTasks.ScalarAsync(database, "SELECT json_agg(t ORDER BY id)::text FROM streamed t");
        Assert.Equal(await SqlTasks.ScalarAsync(database, "SELECT json_agg(t ORDER BY id)::text FROM parsed t"), rows);
        Assert.Equal("say \"hi\"", await SqlTasks.ScalarAsync(database, "SELECT note FROM streamed WHERE id = 2"));
        Assert.Equal("bob, jr", await SqlTasks.ScalarAsync(database, "SELECT name FROM streamed WHERE id = 2"));
        Assert.Equal("two\nlines", await SqlTasks.ScalarAsync(database, "SELECT note FROM streamed WHERE id = 4"));
        Assert.Equal("crlf\r\ninside", await SqlTasks.ScalarAsync(database, "SELECT note FROM streamed WHERE id = 5"));
        Assert.Equal(new DateTime(2026, 1, 1, 11, 30, 0, DateTimeKind.Utc), await SqlTasks.ScalarAsync(database, "SELECT created_at FROM streamed WHERE id = 2"));
        Assert.Equal(true, await SqlTasks.ScalarAsync(database, "SELECT approved FROM streamed WHERE id = 3"));
        Assert.Equal(6L, await SqlTasks.ScalarAsync(database,
            "SELECT count(*) FILTER (WHERE note IS NULL) + count(*) FILTER (WHERE name IS NULL) + count(*) FILTER (WHERE amount IS NULL) " +
            "+ count(*) FILTER (WHERE approved IS NULL) + count(*) FILTER (WHERE created_at IS NULL) FROM streamed"));
    }

    [Fact]
    public async Task Load_StreamsCsv_WhenSemicolonsAndByteOrderMarkIntoExistingTable()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvdialect");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("cities.csv"), "city;id\r\nParis;1\r\nLyon;2\r\n", new System.Text.UTF8Encoding(true));
        await SqlTasks.RunAsync(harness, "sql.execute", new { sql = "CREATE TABLE cities (id integer, city varchar(10), added timestamptz DEFAULT now())" });

        var (outputs, log) = await SqlTasks.RunLoggedAsync(harness, "sql.load", new { path = "cities.csv", table = "cities" });

        Assert.Contains("streamed", log, StringComparison.Ordinal);
        Assert.False(outputs.GetProperty("created").GetBoolean());
        Assert.Equal(2, outputs.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal("Paris", await SqlTasks.ScalarAsync(database, "SELECT city FROM cities WHERE id = 1"));
        Assert.Equal(2L, await SqlTasks.ScalarAsync(database, "SELECT count(added) FROM cities"));
    }

    [Fact]
    public async Task Load_ParsesCsv_WhenHeaderIsQuoted()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvquoted");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("q.csv"), "\"id\",\"city, region\"\n1,\"Paris, IDF\"\n");

        var (outputs, log) = await SqlTasks.RunLoggedAsync(harness, "sql.load", new { path = "q.csv", table = "q" });

        Assert.Contains("The CSV file is parsed, not streamed to COPY (FORMAT csv): the header line has quotes", log, StringComparison.Ordinal);
        Assert.Equal(1, outputs.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal("Paris, IDF", await SqlTasks.ScalarAsync(database, "SELECT \"city, region\" FROM q"));
    }

    [Fact]
    public async Task Load_LoadsParsedRecords_WhenCopyRefusesCsvData()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvrefused");
        await using var _ = harness;
        // 3.0 is no integer to PostgreSQL and the last line lacks a field; the parser reads 3 and a missing label.
        await File.WriteAllTextAsync(harness.PathOf("counts.csv"), "id,qty,label\n1,2,a\n2,3.0,b\n3,4\n");
        await SqlTasks.RunAsync(harness, "sql.execute", new { sql = "CREATE TABLE counts (id integer, qty integer, label text)" });

        var (outputs, log) = await SqlTasks.RunLoggedAsync(harness, "sql.load", new { path = "counts.csv", table = "counts" });

        Assert.Contains("COPY (FORMAT csv) refused the file (22P02", log, StringComparison.Ordinal);
        Assert.Equal(3, outputs.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(3L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM counts"));
        Assert.Equal(9L, await SqlTasks.ScalarAsync(database, "SELECT sum(qty) FROM counts"));
        Assert.Equal(DBNull.Value, await SqlTasks.ScalarAsync(database, "SELECT label FROM counts WHERE id = 3"));
    }

    [Fact]
    public async Task Load_FailsNamingRecordAndColumn_WhenNeitherCopyNorParserReadsValue()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvbad");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("counts.csv"), "id,qty\n1,2\n2,many\n");
        await SqlTasks.RunAsync(harness, "sql.execute", new { sql = "CREATE TABLE counts (id integer, qty integer)" });

        var error = await SqlTasks.FailAsync(harness, "sql.load", new { path = "counts.csv", table = "counts" });

        Assert.Contains("record 2: column \"qty\" (integer) cannot hold 'many'", error, StringComparison.Ordinal);
        Assert.Equal(0L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM counts"));
    }

    [Fact]
    public async Task Load_FailsNamingCopyLine_WhenStreamedCsvBreaksConstraint()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvkey");
        await using var _ = harness;
        await File.WriteAllTextAsync(harness.PathOf("keys.csv"), "id,name\n1,a\n1,b\n");
        await SqlTasks.RunAsync(harness, "sql.execute", new { sql = "CREATE TABLE keyed (id integer PRIMARY KEY, name text)" });

        var error = await SqlTasks.FailAsync(harness, "sql.load", new { path = "keys.csv", table = "keyed" });

        Assert.Contains("FORMAT csv", error, StringComparison.Ordinal);
        Assert.Contains("23505: duplicate key value violates unique constraint", error, StringComparison.Ordinal);
        Assert.Contains("COPY keyed, line 3", error, StringComparison.Ordinal);
        Assert.Equal(0L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM keyed"));
    }

    [Fact]
    public async Task Load_LoadsSameRowsStreamedOrParsed_WhenAwkwardRecordsFollowSample()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvlarge");
        await using var _ = harness;
        var csv = new System.Text.StringBuilder(Awkward[..Awkward.IndexOf('\n', StringComparison.Ordinal)]).Append('\n');
        for (var i = 1; i <= 10_000; i++)
        {
            csv.Append(i).Append(",filler,").Append(i % 100).Append(".25,true,2026-02-01T00:00:00Z,n").Append(i).Append('\n');
        }

        // The awkward records again, past the 10,000-record sample, with ids from 10,001.
        foreach (var line in Awkward.Split('\n').Skip(1).Aggregate(new List<string>(), (lines, part) =>
                 {
                     if (lines.Count > 0 && lines[^1].Count(c => c == '"') % 2 == 1)
                     {
                         lines[^1] += "\n" + part;
                     }
                     else
                     {
                         lines.Add(part);
                     }

                     return lines;
                 }))
        {
            csv.Append("1000").Append(line).Append('\n');
        }

        await File.WriteAllTextAsync(harness.PathOf("large.csv"), csv.ToString());

        var streamed = await SqlTasks.RunAsync(harness, "sql.load", new { path = "large.csv", table = "streamed" });
        var parsed = await SqlTasks.RunAsync(harness, "sql.load", new { path = "large.csv", table = "parsed", parseCsv = true });

        Assert.Equal(10_006, streamed.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(10_006, parsed.GetProperty("rowsLoaded").GetInt64());
        var rows = await SqlTasks.ScalarAsync(database, "SELECT json_agg(t ORDER BY id)::text FROM streamed t");
        Assert.Equal(await SqlTasks.ScalarAsync(database, "SELECT json_agg(t ORDER BY id)::text FROM parsed t"), rows);
        Assert.Equal("crlf\r\ninside", await SqlTasks.ScalarAsync(database, "SELECT note FROM parsed WHERE id = 10005"));
        Assert.Equal(DBNull.Value, await SqlTasks.ScalarAsync(database, "SELECT name FROM parsed WHERE id = 10006"));
    }

    [Fact]
    public async Task Load_FailsNamingRecordPastSample_WhenParsedValueDoesNotConvert()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvlate");
        await using var _ = harness;
        var csv = new System.Text.StringBuilder("id,qty\n");
        for (var i = 1; i <= 10_002; i++)
        {
            csv.Append(i).Append(',').Append(i == 10_002 ? "many" : "2").Append('\n');
        }

        await File.WriteAllTextAsync(harness.PathOf("late.csv"), csv.ToString());

        var error = await SqlTasks.FailAsync(harness, "sql.load", new { path = "late.csv", table = "late" });

        Assert.Contains("record 10002: column \"qty\" (bigint) cannot hold 'many'", error, StringComparison.Ordinal);
        Assert.Equal(DBNull.Value, await SqlTasks.ScalarAsync(database, "SELECT to_regclass('late')::text"));
    }

    [Fact]
    public async Task Load_CountsRowsStreamed_WhenQuotedLineFeedCrossesReadBlock()
    {
        var (harness, database) = await SqlTasks.PostgresAsync("sqlcsvblocks");
        await using var _ = harness;
        // The file is sent in 1 MiB blocks; the padding moves the first block's end inside a quoted line feed.
        string Csv(int padding)
        {
            var csv = new System.Text.StringBuilder("id,note\n");
            for (var i = 1; csv.Length < 1_300_000; i++)
            {
                csv.Append(i).Append(",\"").Append(i == 1 ? new string('p', padding) : "").Append("first \"\"line\"\"\nsecond line, same field\"\n");
            }

            return csv.ToString();
        }

        static bool InsideQuotes(string text, int at) => text.AsSpan(0, at).Count('"') % 2 == 1 && text[at - 1] == '\n';
        var padding = Enumerable.Range(0, 64).First(p => InsideQuotes(Csv(p), 1 << 20));
        var file = Csv(padding);
        await File.WriteAllTextAsync(harness.PathOf("blocks.csv"), file);

        var (outputs, log) = await SqlTasks.RunLoggedAsync(harness, "sql.load", new { path = "blocks.csv", table = "blocks" });

        Assert.Contains("streamed", log, StringComparison.Ordinal);
        var rows = (long)(await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM blocks"))!;
        Assert.Equal(file.Split("same field\"\n").Length - 1, rows);
        Assert.Equal(rows, outputs.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(0L, await SqlTasks.ScalarAsync(database, "SELECT count(*) FROM blocks WHERE note NOT LIKE '%\"line\"' || chr(10) || 'second line, same field'"));
    }
}
