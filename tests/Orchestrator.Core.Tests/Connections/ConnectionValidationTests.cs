using System.ComponentModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Validation;

namespace Orchestrator.Core.Tests.Connections;

public sealed class ConnectionValidationTests
{
    [Activity("test.reads", Description = "Names a connection.")]
    public sealed class ReadsActivity(ConnectionCatalog connections) : Activity<ReadsActivity.Input, NoOutput>
    {
        public sealed record Input
        {
            [Description("The stream.")]
            [ConnectionInput(ConnectionTypes.Kafka, ConnectionTypes.Local)]
            public string? Connection { get; init; }
        }

        protected override Task<NoOutput> ExecuteAsync(Input input, ActivityContext context)
        {
            var connection = connections.Get(input.Connection ?? "events", ConnectionTypes.Kafka);
            throw new ActivityFailedException($"broker rejected password {connection.Get("sasl.password")}");
        }
    }

    private static readonly ConnectionCatalog Catalog = ConnectionCatalog.Load(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:Connections:warehouse:uri"] = "postgresql://u:p@127.0.0.1/db",
            ["Orchestrator:Connections:stream:uri"] = "kafka://127.0.0.1:9092?sasl.password=hunter22",
        }).Build(),
        []);

    private static readonly WorkflowValidator Validator = new(
        new ActivityRegistry([.. CoreActivities.Descriptors(), ActivityDescriptor.From(typeof(ReadsActivity))]), Catalog);

    private static string Workflow(string connection) => $$"""
        {
          "id": "w",
          "tasks": [
            { "id": "read", "activity": "test.reads",
              "with": { "connection": "{{connection}}" } }
          ]
        }
        """;

    [Fact]
    public void Validate_Accepts_WhenConnectionIsConfiguredWithAnAcceptedType()
        => Assert.True(Validator.Validate("w.json", Workflow("stream")).IsValid);

    [Fact]
    public void Validate_ReportsUnknownConnectionWithPosition_WhenNameIsNotConfigured()
    {
        var result = Validator.Validate("w.json", Workflow("stram"));

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnknownConnection, error.Code);
        Assert.Equal("$.tasks[0].with.connection", error.Path);
        Assert.Equal(5, error.Position.Line);
        Assert.Contains("did you mean 'stream'", error.Message);
    }

    [Fact]
    public void Validate_ReportsWrongType_WhenConnectionIsOfAnotherKind()
    {
        var error = Assert.Single(Validator.Validate("w.json", Workflow("warehouse")).Diagnostics);

        Assert.Equal(DiagnosticCodes.WrongConnectionType, error.Code);
        Assert.Contains("is a postgresql connection; it needs kafka or local", error.Message);
    }

    [Fact]
    public void Validate_LeavesTemplatesToRunTime()
        => Assert.True(Validator.Validate("w.json", Workflow("{{ vars.stream }}")).IsValid);

    [Fact]
    public async Task Run_MasksConnectionSecretsInTheErrorAndTheLog()
    {
        var data = Directory.CreateTempSubdirectory("orchestrator-test-").FullName;
        try
        {
            await using var services = new ServiceCollection()
                .AddSingleton(Catalog)
                .AddOrchestratorCore(data)
                .AddActivities([typeof(ReadsActivity)])
                .BuildServiceProvider();
            var validated = services.GetRequiredService<WorkflowValidator>().Validate("w.json", Workflow("stream"));
            Assert.True(validated.IsValid, string.Join("\n", validated.Diagnostics));
            var plan = WorkflowPlan.Compile(validated.Definition!, services.GetRequiredService<ActivityRegistry>());

            var result = await services.GetRequiredService<LocalRun>().RunAsync(plan, new RunRequest());

            var attempt = Assert.Single(result.Attempts);
            Assert.Equal("broker rejected password ***", attempt.Error);
            var log = await services.GetRequiredService<Storage.ITaskLogStore>().ReadAsync(result.Run.Id, "read", null, 0, 1000, CancellationToken.None);
            Assert.DoesNotContain(log, l => l.Message.Contains("hunter22"));
            Assert.Contains(log, l => l.Message.Contains("***"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
