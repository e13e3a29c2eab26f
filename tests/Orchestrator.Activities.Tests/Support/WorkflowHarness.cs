using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Alerts;
using Orchestrator.Activities.Streams;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;

namespace Orchestrator.Activities.Tests.Support;

/// <summary>
/// The real engine, the core and data activities, and connections from configuration, over a temporary data
/// directory: what <c>orchestrator run</c> does, in the test process.
/// </summary>
public sealed class WorkflowHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public WorkflowHarness(IReadOnlyDictionary<string, string?>? settings = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("orchestrator-activities-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(ConnectionCatalog.Load(configuration, []))
            .AddSingleton(AlertChannelCatalog.Load(configuration, []))
            .AddOrchestratorCore(DataDirectory)
            .AddOrchestratorActivities()
            .BuildServiceProvider();
    }

    public string DataDirectory { get; }

    public ConnectionCatalog Connections => _services.GetRequiredService<ConnectionCatalog>();

    public IEventStream Stream(string connection = "events")
        => _services.GetRequiredService<IEventStreamFactory>().Open(Connections.Get(connection));

    public string PathOf(string relative) => Path.Combine(DataDirectory, relative);

    public Task<RunResult> RunAsync(string json, CancellationToken cancellationToken = default) => RunAsync(json, null, cancellationToken);

    /// <summary>Runs the workflow; <paramref name="observer"/> sees its events (log lines, states, anomalies).</summary>
    public async Task<RunResult> RunAsync(string json, IRunObserver? observer, CancellationToken cancellationToken = default)
    {
        var validated = _services.GetRequiredService<WorkflowValidator>().Validate("test.json", json);
        Assert.True(validated.IsValid, string.Join(Environment.NewLine, validated.Diagnostics));
        var plan = WorkflowPlan.Compile(validated.Definition!, _services.GetRequiredService<ActivityRegistry>());
        return await _services.GetRequiredService<LocalRun>().RunAsync(plan, new RunRequest(), observer, cancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
    }

    /// <summary>The outputs of a task that must have succeeded.</summary>
    public static JsonElement Outputs(RunResult result, string taskId)
    {
        var task = Assert.Single(result.Tasks, t => t.TaskId == taskId);
        Assert.True(task.State == TaskState.Succeeded,
            $"{taskId} ended {task.State}: {string.Join(" | ", result.Attempts.Where(a => a.TaskId == taskId).Select(a => a.Error))}");
        return task.Outputs!.Value;
    }

    /// <summary>Collects the events of a run.</summary>
    public sealed class Events : IRunObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<RunEvent> _seen = new();

        public IReadOnlyList<RunEvent> Seen => [.. _seen];

        public void OnEvent(RunEvent runEvent) => _seen.Enqueue(runEvent);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
