using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;
using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Persistence.Tests;

/// <summary>A real run through the engine, read back by a second process's worth of services.</summary>
public sealed class EndToEndTests(TempDirectory directory) : IClassFixture<TempDirectory>
{
    private const string Workflow = """
        {
          "id": "persisted",
          "params": { "who": { "type": "string", "default": "world" } },
          "tasks": [
            { "id": "greet", "activity": "core.log", "with": { "message": "hello {{ params.who }}", "level": "warning" } },
            {
              "id": "flaky",
              "activity": "core.fail",
              "dependsOn": ["greet"],
              "retries": 1,
              "retryDelay": "PT0S",
              "with": { "failAttempts": 1, "message": "first try fails" }
            },
            { "id": "after", "activity": "core.noop", "dependsOn": ["flaky"] }
          ]
        }
        """;

    private static CancellationToken Token => CancellationToken.None;

    [Fact]
    public async Task RunAsync_PersistsRunTasksAttemptsAndLogs_WhenReadByANewServiceProvider()
    {
        var databasePath = Path.Combine(directory.Path, "db", "orchestrator.db");
        var dataDirectory = Path.Combine(directory.Path, "data");

        RunResult result;
        await using (var services = Build(databasePath, dataDirectory))
        {
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Token);
            var validation = services.GetRequiredService<WorkflowValidator>().Validate("persisted.json", Workflow);
            Assert.True(validation.IsValid, string.Join("\n", validation.Diagnostics.Select(d => d.Message)));
            var plan = WorkflowPlan.Compile(validation.Definition!, services.GetRequiredService<ActivityRegistry>());

            result = await services.GetRequiredService<LocalRun>().RunAsync(plan, new RunRequest(), cancellationToken: Token);
            Assert.Equal(RunState.Succeeded, result.Run.State);
        }

        await using var reopened = Build(databasePath, dataDirectory);
        var runs = reopened.GetRequiredService<IRunStore>();
        var logs = reopened.GetRequiredService<ITaskLogStore>();

        var details = await runs.GetDetailsAsync(result.Run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(result.Run, details.Run);
        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal("world", details.Run.Params["who"].GetString());
        Assert.NotNull(details.Run.StartedAt);
        Assert.NotNull(details.Run.EndedAt);
        RecordAssert.Equal(result.Tasks, details.Tasks);
        Assert.Equal(["greet", "flaky", "after"], details.Tasks.Select(t => t.TaskId));
        Assert.All(details.Tasks, t => Assert.Equal(TaskState.Succeeded, t.State));

        var flaky = details.Tasks[1];
        Assert.Equal(2, flaky.Attempts);
        Assert.Equal(2, flaky.MaxAttempts);
        Assert.Equal(2, flaky.Outputs!.Value.GetProperty("succeededOnAttempt").GetInt32());
        RecordAssert.Equal(result.Attempts, details.Attempts);
        var flakyAttempts = details.Attempts.Where(a => a.TaskId == "flaky").ToList();
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], flakyAttempts.Select(a => a.Outcome));
        Assert.Equal("first try fails", flakyAttempts[0].Error);
        Assert.Equal(1, flakyAttempts[0].Inputs!.Value.GetProperty("failAttempts").GetInt32());

        var greeting = Assert.Single(await logs.ReadAsync(result.Run.Id, "greet", null, 0, 100, Token));
        Assert.Equal("hello world", greeting.Message);
        Assert.Equal(LogLevel.Warning, greeting.Level);
        var failure = Assert.Single(await logs.ReadAsync(result.Run.Id, "flaky", 1, 0, 100, Token));
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Contains("first try fails", failure.Message, StringComparison.Ordinal);
        Assert.Empty(await logs.ReadAsync(result.Run.Id, "flaky", 2, 0, 100, Token));

        var version = await reopened.GetRequiredService<IWorkflowVersionStore>().FindAsync("persisted", details.Run.WorkflowVersion, Token);
        Assert.NotNull(version);
        Assert.Contains("\"core.fail\"", version.DefinitionJson, StringComparison.Ordinal);
        Assert.Equal([result.Run.Id], (await runs.ListAsync(new RunFilter("persisted"), new Page(), Token)).Select(r => r.Id));
    }

    private static ServiceProvider Build(string databasePath, string dataDirectory)
        => new ServiceCollection()
            .AddSqliteStore(databasePath)
            .AddOrchestratorCore(dataDirectory)
            .BuildServiceProvider();
}
