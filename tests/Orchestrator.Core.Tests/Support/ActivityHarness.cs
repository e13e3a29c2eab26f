using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Tests.Support;

/// <summary>Runs one activity attempt the way the engine does: created from DI, called with JSON inputs.</summary>
public sealed class ActivityHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public ActivityHarness()
    {
        DataRoot = Directory.CreateTempSubdirectory("orchestrator-activity-").FullName;
        _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    }

    public string DataRoot { get; }

    public CapturingLogger Logger { get; } = new();

    public Task<ActivityResult> RunAsync<TActivity>(string inputJson, CancellationToken cancellationToken = default)
        where TActivity : IActivity
        => RunAsync<TActivity>(JsonNode.Parse(inputJson)!.AsObject(), cancellationToken);

    public Task<ActivityResult> RunAsync<TActivity>(JsonObject input, CancellationToken cancellationToken = default)
        where TActivity : IActivity
    {
        var activity = (IActivity)ActivatorUtilities.CreateInstance(_services, typeof(TActivity));
        return activity.ExecuteAsync(input, CreateContext(cancellationToken));
    }

    private ActivityContext CreateContext(CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        return new ActivityContext
        {
            Run = new RunContext
            {
                RunId = Guid.NewGuid(),
                WorkflowId = "activity-tests",
                WorkflowVersion = "1",
                Kind = RunKind.Manual,
                LogicalDate = now,
                DataIntervalStart = now,
                DataIntervalEnd = now,
                Params = new Dictionary<string, JsonElement>(),
            },
            TaskId = "under-test",
            Attempt = 1,
            Logger = Logger,
            CancellationToken = cancellationToken,
            Time = TimeProvider.System,
            Services = _services,
            Data = new DataDirectory(DataRoot),
        };
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(DataRoot, recursive: true);
    }
}
