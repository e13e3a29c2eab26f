using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Validation;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The activities users run, end to end through the in-process engine: <c>kafka.produce</c> from a jsonl file and
/// <c>kafka.consume</c> into a jsonl or Parquet batch file (read, parse, write durably, commit), on the same broker.
/// </summary>
internal sealed class KafkaActivityBenchmark : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _data = Directory.CreateTempSubdirectory("orchestrator-kafka-bench-").FullName;

    public KafkaActivityBenchmark(string bootstrapServers, IReadOnlyDictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string?> { ["Orchestrator:Connections:events:uri"] = $"kafka://{bootstrapServers}" };
        foreach (var (key, value) in extra)
        {
            settings[$"Orchestrator:Connections:events:{key}"] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOrchestratorCore(_data)
            .AddOrchestratorActivities()
            .BuildServiceProvider();
    }

    /// <summary>Writes the records as the jsonl input file of the produce task.</summary>
    public Task WriteInputAsync(IEnumerable<string> jsonLines) => File.WriteAllLinesAsync(Path.Combine(_data, "input.jsonl"), jsonLines);

    public Task<double> ProduceAsync(string topic, long expected)
        => RunTaskAsync("kafka.produce", $$"""{ "topic": "{{topic}}", "path": "input.jsonl", "key": "${customer}" }""", expected);

    public Task<double> ConsumeAsync(string topic, string file, long expected)
        => RunTaskAsync("kafka.consume",
            $$"""{ "topic": "{{topic}}", "group": "bench-{{Guid.NewGuid():N}}", "maxMessages": {{expected}}, "path": "{{file}}" }""", expected);

    private async Task<double> RunTaskAsync(string activity, string with, long expected)
    {
        var json = $$"""{ "id": "bench", "tasks": [ { "id": "t", "activity": "{{activity}}", "with": {{with}} } ] }""";
        var validated = _services.GetRequiredService<WorkflowValidator>().Validate("bench.json", json);
        if (!validated.IsValid)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, validated.Diagnostics));
        }

        var plan = WorkflowPlan.Compile(validated.Definition!, _services.GetRequiredService<ActivityRegistry>());
        var watch = Stopwatch.StartNew();
        var result = await _services.GetRequiredService<LocalRun>().RunAsync(plan, new RunRequest());
        var seconds = watch.Elapsed.TotalSeconds;
        var task = result.Tasks.Single();
        var count = task.Outputs is { } outputs && outputs.TryGetProperty("count", out var c) ? c.GetInt64() : -1;
        if (task.State != Orchestrator.Core.Model.TaskState.Succeeded || count != expected)
        {
            throw new InvalidOperationException($"{activity} ended {task.State} with count {count}, expected {expected}: {result.Attempts.LastOrDefault()?.Error}");
        }

        return seconds;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
