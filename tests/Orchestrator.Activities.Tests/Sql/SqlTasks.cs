using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Testing;

namespace Orchestrator.Activities.Tests.Sql;

/// <summary>Runs one sql.* task in a workflow of its own, through the real engine.</summary>
internal static class SqlTasks
{
    /// <summary>A harness whose <c>warehouse</c> is a new database of the shared PostgreSQL cluster, with a password set.</summary>
    public static async Task<(WorkflowHarness Harness, string ConnectionString)> PostgresAsync(string prefix, string password = "not-the-password")
    {
        var connectionString = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(prefix);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var harness = new WorkflowHarness(new Dictionary<string, string?>
        {
            ["Orchestrator:Connections:warehouse:type"] = "postgresql",
            ["Orchestrator:Connections:warehouse:host"] = builder.Host,
            ["Orchestrator:Connections:warehouse:port"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orchestrator:Connections:warehouse:database"] = builder.Database,
            ["Orchestrator:Connections:warehouse:username"] = builder.Username,
            ["Orchestrator:Connections:warehouse:password"] = password,
        });
        return (harness, connectionString);
    }

    /// <summary>Runs the task; its outputs, which it must have succeeded to have.</summary>
    public static async Task<JsonElement> RunAsync(WorkflowHarness harness, string activity, object with)
        => WorkflowHarness.Outputs(await harness.RunAsync(Workflow(activity, with, null)), "t");

    /// <summary>Runs the task; its outputs, which it must have succeeded to have, and the lines of its log.</summary>
    public static async Task<(JsonElement Outputs, string Log)> RunLoggedAsync(WorkflowHarness harness, string activity, object with)
    {
        var events = new WorkflowHarness.Events();
        var outputs = WorkflowHarness.Outputs(await harness.RunAsync(Workflow(activity, with, null), events), "t");
        return (outputs, string.Join(Environment.NewLine, events.Seen.OfType<TaskLogWritten>().Select(e => e.Line.Message)));
    }

    /// <summary>Runs the task, which must fail; its error.</summary>
    /// <param name="parameters">Workflow params (name to default), for inputs that templates fill at run time.</param>
    public static async Task<string> FailAsync(WorkflowHarness harness, string activity, object with, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var result = await harness.RunAsync(Workflow(activity, with, parameters));
        var task = Assert.Single(result.Tasks);
        Assert.Equal(TaskState.Failed, task.State);
        return Assert.Single(result.Attempts, a => a.TaskId == "t").Error ?? "";
    }

    private static string Workflow(string activity, object with, IReadOnlyDictionary<string, string>? parameters)
        => new JsonObject
        {
            ["id"] = "sql-test",
            ["params"] = new JsonObject((parameters ?? new Dictionary<string, string>()).Select(p =>
                KeyValuePair.Create(p.Key, (JsonNode?)new JsonObject { ["type"] = "string", ["default"] = p.Value }))),
            ["defaults"] = new JsonObject { ["retries"] = 0 },
            ["tasks"] = new JsonArray(new JsonObject
            {
                ["id"] = "t",
                ["activity"] = activity,
                ["with"] = JsonSerializer.SerializeToNode(with, JsonSerializerOptions.Web),
            }),
        }.ToJsonString();

    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public static async Task<Dictionary<string, string>> PostgresColumnTypesAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = @t ORDER BY ordinal_position", connection);
        command.Parameters.AddWithValue("t", table);
        var types = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            types[reader.GetString(0)] = reader.GetString(1);
        }

        return types;
    }
}
