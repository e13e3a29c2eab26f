using System.Text.Json;
using Orchestrator.Activities.Tests.Support;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>The data activities chained as seed 002 chains them: generate dirty transactions, clean and enrich, check, aggregate into a cube.</summary>
public sealed class TransactionsPipelineTests
{
    [Fact]
    public async Task Pipeline_CleansChecksAndCubesEveryKeptRow_WhenGeneratedTransactionsAreDirty()
    {
        await using var harness = new WorkflowHarness();

        var result = await harness.RunAsync("""
            {
              "id": "transactions",
              "tasks": [
                { "id": "generate", "activity": "data.generate",
                  "with": { "dataset": "transactions", "rows": 2000, "path": "raw/t.jsonl", "seed": 11, "dirtyRatio": 0.1,
                            "start": "2026-11-23T10:00:00Z", "interval": "PT1M" } },
                { "id": "clean", "activity": "data.clean", "dependsOn": ["generate"],
                  "with": { "input": "{{ tasks.generate.outputs.path }}", "output": "clean/t.parquet",
                            "trim": true, "cast": { "timestamp": "TIMESTAMP" }, "dropNullsIn": ["amount", "category", "status"],
                            "filter": "amount BETWEEN 0 AND 10000", "dedupeOn": ["transaction_id"],
                            "derive": { "date": "CAST(\"timestamp\" AS DATE)", "hour": "hour(\"timestamp\")", "weekday": "dayname(\"timestamp\")",
                                        "bucket": "CASE WHEN amount < 50 THEN 'small' WHEN amount < 250 THEN 'medium' ELSE 'large' END" } } },
                { "id": "quality", "activity": "data.quality", "dependsOn": ["clean"],
                  "with": { "input": "{{ tasks.clean.outputs.path }}",
                            "checks": [ { "type": "unique", "columns": ["transaction_id"] },
                                        { "type": "not_null", "column": "amount" },
                                        { "type": "range", "column": "amount", "min": 0, "max": 10000 },
                                        { "type": "accepted_values", "column": "bucket", "values": ["small", "medium", "large"] },
                                        { "type": "not_null", "column": "city", "severity": "warn" } ] } },
                { "id": "cube", "activity": "data.transform", "dependsOn": ["quality"],
                  "with": { "inputs": { "t": "{{ tasks.clean.outputs.path }}" },
                            "sql": "SELECT category, bucket, count(*) AS n, round(sum(amount), 2) AS total FROM t GROUP BY ROLLUP (category, bucket)",
                            "output": "cubes/category_bucket.csv" } }
              ]
            }
            """);

        var clean = WorkflowHarness.Outputs(result, "clean");
        var rules = clean.GetProperty("rules");
        Assert.True(rules.GetProperty("deduplicated").GetInt64() > 0);
        Assert.True(rules.GetProperty("trimmed").GetInt64() > 0);
        Assert.True(rules.GetProperty("droppedNulls").GetInt64() + rules.GetProperty("filtered").GetInt64() > 0);
        Assert.Equal(
            clean.GetProperty("rowsIn").GetInt64() - rules.GetProperty("droppedNulls").GetInt64() - rules.GetProperty("filtered").GetInt64() - rules.GetProperty("deduplicated").GetInt64(),
            clean.GetProperty("rowsOut").GetInt64());
        Assert.Equal(4, WorkflowHarness.Outputs(result, "quality").GetProperty("passed").GetArrayLength());

        WorkflowHarness.Outputs(result, "cube");
        var grandTotal = (await File.ReadAllLinesAsync(harness.PathOf("cubes/category_bucket.csv"))).Skip(1).Single(l => l.StartsWith(",,", StringComparison.Ordinal));
        Assert.Equal(clean.GetProperty("rowsOut").GetInt64(), long.Parse(grandTotal.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture));
    }
}
