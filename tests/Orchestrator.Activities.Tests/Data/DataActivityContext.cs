using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>A context for calling a data activity directly: with a clock or a cancellation token of the test's choosing.</summary>
internal static class DataActivityContext
{
    public static ActivityContext Create(string dataDirectory, TimeProvider time, CancellationToken cancellationToken = default) => new()
    {
        Run = new RunContext
        {
            RunId = Guid.NewGuid(),
            WorkflowId = "data",
            WorkflowVersion = "1",
            Kind = RunKind.Manual,
            LogicalDate = time.GetUtcNow(),
            DataIntervalStart = time.GetUtcNow(),
            DataIntervalEnd = time.GetUtcNow(),
            Params = new Dictionary<string, JsonElement>(),
        },
        TaskId = "data",
        Attempt = 1,
        Logger = NullLogger.Instance,
        CancellationToken = cancellationToken,
        Time = time,
        Services = new ServiceCollection().BuildServiceProvider(),
        Data = new DataDirectory(dataDirectory),
    };
}
