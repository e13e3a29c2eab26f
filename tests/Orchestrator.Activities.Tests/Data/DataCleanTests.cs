using System.Text.Json;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>data.clean in real workflows: every rule, in its documented order, with the counts it reports.</summary>
public sealed class DataCleanTests
{
    private static string Workflow(object with) => JsonSerializer.Serialize(new
    {
        id = "clean",
        tasks = new[] { new { id = "clean", activity = "data.clean", with } },
    });

    private static async Task<JsonElement[]> ReadJsonlAsync(string path)
        => (await File.ReadAllLinesAsync(path)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    [Fact]
    public async Task Clean_AppliesEveryRuleInOrder_AndCountsWhatEachDid_WhenAllRulesAreGiven()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("raw.csv"),
            "Transaction ID,city,amount,ts\n" +
            "t1, Lyon ,10,2026-03-02 08:15:00\n" +
            "t2,Oslo,,2026-03-02 09:00:00\n" +
            "t1,Lyon,99,2026-03-02 10:00:00\n" +
            "t3,,30,2026-03-03 23:59:00\n" +
            "t4,Rome,20,2026-03-04 12:00:00\n" +
            "t5,Rome,-5,2026-03-04 13:00:00\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "raw.csv",
            output = "clean/transactions.jsonl",
            rename = new Dictionary<string, string> { ["Transaction ID"] = "transaction_id" },
            trim = true,
            cast = new { amount = "DOUBLE" },
            dropNullsIn = new[] { "city" },
            fill = new { amount = new { statistic = "median" } },
            filter = "amount >= 0",
            dedupeOn = new[] { "transaction_id" },
            derive = new Dictionary<string, string>
            {
                ["date"] = "CAST(ts AS DATE)",
                ["hour"] = "hour(ts)",
                ["weekday"] = "dayname(ts)",
                ["bucket"] = "CASE WHEN amount < 15 THEN 'small' ELSE 'large' END",
            },
        }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        Assert.Equal(6, outputs.GetProperty("rowsIn").GetInt64());
        Assert.Equal(3, outputs.GetProperty("rowsOut").GetInt64());
        var rules = outputs.GetProperty("rules");
        Assert.Equal(1, rules.GetProperty("renamed").GetInt64());
        Assert.Equal(1, rules.GetProperty("trimmed").GetInt64());
        Assert.Equal(1, rules.GetProperty("droppedNulls").GetInt64());
        Assert.Equal(1, rules.GetProperty("filled").GetInt64());
        Assert.Equal(1, rules.GetProperty("filtered").GetInt64());
        Assert.Equal(1, rules.GetProperty("deduplicated").GetInt64());
        Assert.Equal(4, rules.GetProperty("derived").GetInt64());

        var rows = await ReadJsonlAsync(harness.PathOf("clean/transactions.jsonl"));
        Assert.Equal(["t1", "t2", "t4"], rows.Select(r => r.GetProperty("transaction_id").GetString()));
        Assert.Equal("Lyon", rows[0].GetProperty("city").GetString());
        Assert.Equal(10, rows[0].GetProperty("amount").GetDouble());
        // The median of 10, 99, 20 and -5 (t3's row is gone by then): 15.
        Assert.Equal(15, rows[1].GetProperty("amount").GetDouble());
        Assert.Equal("2026-03-02", rows[0].GetProperty("date").GetString());
        Assert.Equal(8, rows[0].GetProperty("hour").GetInt64());
        Assert.Equal("Monday", rows[0].GetProperty("weekday").GetString());
        Assert.Equal(["small", "large", "large"], rows.Select(r => r.GetProperty("bucket").GetString()));
    }

    [Fact]
    public async Task Clean_FillsAConstantAndTheMean_WhenFillRulesAreGivenForJsonl()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.jsonl"),
            "{\"name\":\"a\",\"score\":1.0}\n{\"name\":null,\"score\":null}\n{\"name\":\"c\",\"score\":5.0}\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.jsonl",
            output = "out.parquet",
            fill = new { name = new { constant = "unknown" }, score = new { statistic = "mean" } },
        }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        Assert.Equal(2, outputs.GetProperty("rules").GetProperty("filled").GetInt64());
        Assert.False(outputs.GetProperty("rules").TryGetProperty("filtered", out _));

        var check = await harness.RunAsync(JsonSerializer.Serialize(new
        {
            id = "read-back",
            tasks = new[]
            {
                new { id = "t", activity = "data.transform", with = new { inputs = new { o = "out.parquet" }, sql = "SELECT name, score FROM o", output = "back.jsonl" } },
            },
        }));
        WorkflowHarness.Outputs(check, "t");
        var rows = await ReadJsonlAsync(harness.PathOf("back.jsonl"));
        Assert.Equal("unknown", rows[1].GetProperty("name").GetString());
        Assert.Equal(3.0, rows[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Clean_FailsNamingTheValue_WhenACastDoesNotConvert()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,amount\n1,10\n2,ten\n");

        var result = await harness.RunAsync(Workflow(new { input = "in.csv", output = "out.csv", cast = new { amount = "INTEGER" } }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("ten", result.Attempts.First().Error);
        Assert.False(File.Exists(harness.PathOf("out.csv")));
    }

    [Fact]
    public async Task Clean_RejectsTheType_WhenACastTypeIsNotATypeName()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id\n1\n");

        var result = await harness.RunAsync(Workflow(new { input = "in.csv", output = "out.csv", cast = new { id = "INTEGER; DROP TABLE x" } }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("is not a DuckDB type name", result.Attempts.First().Error);
    }

    [Fact]
    public async Task Clean_FailsWithOutsideTheDataDirectory_WhenTheInputEscapesIt()
    {
        await using var harness = new WorkflowHarness();

        var result = await harness.RunAsync(Workflow(new { input = "/etc/passwd", output = "out.csv", inputFormat = "csv" }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("outside the data directory", result.Attempts.First().Error);
    }

    [Fact]
    public async Task Clean_KeepsTheFirstRowOfEachKeyInFileOrder_WhenALargeFileIsReadInParallel()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllLinesAsync(harness.PathOf("big.csv"), ["key,position"], CancellationToken.None);
        await File.AppendAllLinesAsync(harness.PathOf("big.csv"), Enumerable.Range(0, 300_000).Select(i => $"k{i % 1000},{i}"));

        var result = await harness.RunAsync(Workflow(new { input = "big.csv", output = "first.csv", dedupeOn = new[] { "key" } }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        Assert.Equal(299_000, outputs.GetProperty("rules").GetProperty("deduplicated").GetInt64());
        var lines = await File.ReadAllLinesAsync(harness.PathOf("first.csv"));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"k{i},{i}"), lines.Skip(1));
    }

    [Fact]
    public async Task Clean_FailsNamingTheColumnAndStep_WhenDeriveTargetsAnExistingColumnWithoutReplace()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,amount\n1,10\n2,20\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.csv",
            output = "out.csv",
            derive = new Dictionary<string, string> { ["Amount"] = "amount * 100" },
        }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        var error = Assert.Single(result.Attempts).Error;
        Assert.Contains("derive.Amount (step 8, derive)", error);
        Assert.Contains("the column 'Amount' already exists", error);
        Assert.Contains("\"replace\": true", error);
        Assert.False(File.Exists(harness.PathOf("out.csv")));
    }

    [Fact]
    public async Task Clean_ReplacesTheColumnInPlace_AndCountsTheChangedRows_WhenDeriveHasReplace()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,amount,city\n1,10,Lyon\n2,-20,Oslo\n3,30,Rome\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.csv",
            output = "out.csv",
            replace = true,
            derive = new Dictionary<string, string> { ["amount"] = "abs(amount)", ["double"] = "amount * 2" },
        }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        var step = Assert.Single(outputs.GetProperty("steps").EnumerateArray());
        Assert.Equal("derive", step.GetProperty("step").GetString());
        Assert.Equal(3, step.GetProperty("rowsIn").GetInt64());
        Assert.Equal(3, step.GetProperty("rowsOut").GetInt64());
        Assert.Equal(1, step.GetProperty("rowsChanged").GetInt64());
        Assert.Equal(["id,amount,city,double", "1,10,Lyon,20", "2,20,Oslo,40", "3,30,Rome,60"], await File.ReadAllLinesAsync(harness.PathOf("out.csv")));
    }

    [Fact]
    public async Task Clean_NullsAndCountsTheValuesThatDoNotConvert_WhenCastModeIsTry()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,amount,day\n1,10,2026-03-02\n2,ten,someday\n3,,2026-03-04\n4,12.50,2026-03-05\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.csv",
            output = "out.jsonl",
            cast = new { amount = "DOUBLE", day = "DATE" },
            castMode = "try",
        }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        Assert.Equal(2, outputs.GetProperty("rules").GetProperty("nulled").GetInt64());
        var step = Assert.Single(outputs.GetProperty("steps").EnumerateArray());
        Assert.Equal("cast", step.GetProperty("step").GetString());
        Assert.Equal(2, step.GetProperty("nulled").GetInt64());
        // Only row 2 changed (it lost both values): '10' and '12.50' are the same numbers as 10 and 12.5.
        Assert.Equal(1, step.GetProperty("rowsChanged").GetInt64());
        Assert.Equal(4, step.GetProperty("rowsOut").GetInt64());
        var rows = await ReadJsonlAsync(harness.PathOf("out.jsonl"));
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("amount").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("day").ValueKind);
        Assert.Equal(12.5, rows[3].GetProperty("amount").GetDouble());
    }

    [Fact]
    public async Task Clean_FailsNamingTheCastAndStep_WhenAValueDoesNotConvertInTheDefaultMode()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,amount\n1,10\n2,ten\n");

        var result = await harness.RunAsync(Workflow(new { input = "in.csv", output = "out.csv", cast = new { amount = "INTEGER" }, castMode = "fail" }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("cast.amount (step 3, cast)", result.Attempts.First().Error);
        Assert.Contains("ten", result.Attempts.First().Error);
    }

    [Fact]
    public async Task Clean_DropsColumnsAfterDeriveUsedThem_WhenDropIsGiven()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,ts,secret\n1,2026-03-02 08:15:00,x\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.csv",
            output = "out.csv",
            derive = new Dictionary<string, string> { ["hour"] = "hour(ts)" },
            drop = new[] { "ts", "secret" },
        }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        Assert.Equal(2, outputs.GetProperty("rules").GetProperty("dropped").GetInt64());
        Assert.Equal(["derive", "drop"], outputs.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()));
        Assert.Equal(["id,hour", "1,8"], await File.ReadAllLinesAsync(harness.PathOf("out.csv")));
    }

    [Fact]
    public async Task Clean_FailsNamingTheEntry_WhenDropNamesAMissingColumn()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,amount\n1,10\n");

        var result = await harness.RunAsync(Workflow(new { input = "in.csv", output = "out.csv", drop = new[] { "amount", "amont" } }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("drop[1] (step 9, drop): there is no column 'amont'", result.Attempts.First().Error);
    }

    [Fact]
    public async Task Clean_ReportsRowsInOutAndChangedForEachStep_WhenSeveralRulesRun()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,city,amount\n1, Lyon ,10\n2,Oslo,\n2,Oslo,5\n3,Rome,-1\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.csv",
            output = "out.csv",
            trim = new[] { "city" },
            fill = new { amount = new { constant = 0 } },
            filter = "amount >= 0",
            dedupeOn = new[] { "id" },
        }));

        var steps = WorkflowHarness.Outputs(result, "clean").GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("step").GetString(), s.GetProperty("rowsIn").GetInt64(), s.GetProperty("rowsOut").GetInt64(), s.GetProperty("rowsChanged").GetInt64()))
            .ToArray();
        Assert.Equal(
            [("trim", 4L, 4L, 1L), ("fill", 4L, 4L, 1L), ("filter", 4L, 3L, 0L), ("dedupeOn", 3L, 2L, 0L)],
            steps);
    }
    [Fact]
    public async Task Clean_CountsTheRowsEachStepKeeps_WhenStepsDropRowsAndADerivedExpressionUnnestsAList()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,city,note\n1, Lyon ,a\n2,,b\n3,Oslo ,c\n");

        var result = await harness.RunAsync(Workflow(new
        {
            input = "in.csv",
            output = "out.csv",
            trim = new[] { "city" },
            dropNullsIn = new[] { "city" },
            derive = new Dictionary<string, string> { ["part"] = "unnest([1, 2])" },
            drop = new[] { "note" },
        }));

        var outputs = WorkflowHarness.Outputs(result, "clean");
        var steps = outputs.GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("step").GetString(), s.GetProperty("rowsIn").GetInt64(), s.GetProperty("rowsOut").GetInt64(), s.GetProperty("rowsChanged").GetInt64()))
            .ToArray();
        Assert.Equal(
            [("trim", 3L, 3L, 2L), ("dropNullsIn", 3L, 2L, 0L), ("derive", 2L, 4L, 0L), ("drop", 4L, 4L, 0L)],
            steps);
        Assert.Equal(2, outputs.GetProperty("rules").GetProperty("trimmed").GetInt64());
        Assert.Equal(4, outputs.GetProperty("rowsOut").GetInt64());
        Assert.Equal(["id,city,part", "1,Lyon,1", "1,Lyon,2", "3,Oslo,1", "3,Oslo,2"], await File.ReadAllLinesAsync(harness.PathOf("out.csv")));
    }
}
