using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities;
using Orchestrator.Benchmarks;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

// `-- nodes [--tasks N] [--runs R]`: one node against two on PostgreSQL, with the database's wait events meanwhile.
if (args is ["nodes", ..])
{
    await NodeScalingBenchmark.RunAsync(args[1..]);
    return;
}

// `-- kafka [--records N] [--value-bytes B] [--partitions P] [--runs R]`: the Kafka benchmark alone (tests/bench-kafka.sh).
if (args is ["kafka", ..])
{
    await KafkaBenchmark.RunAsync(args[1..]);
    return;
}

// `-- durable-size [postgres|sqlite]`: one run of 1,000 and one of 5,000 independent no-op tasks through the durable
// queue (one node x 64 slots): the time per task must not grow with the run's size.
if (args is ["durable-size", ..])
{
    var database = args is [_, "sqlite"] ? BenchDatabase.Sqlite : BenchDatabase.Postgres;
    DurableBenchmark.Slots = 64;
    await DurableBenchmark.RunAsync("warm-up (not counted)", Layered(1, 200), runs: 1, database);
    foreach (var size in new[] { 1_000, 5_000 })
    {
        await DurableBenchmark.RunAsync($"{size:N0} independent no-op tasks in one run, 1 node x 64 slots", Layered(1, size), runs: 1, database);
    }

    return;
}

// `-- sql-load [--rows N]`: sql.load against psql's \copy of the same CSV, on a throwaway PostgreSQL (tests/bench-sql.sh).
if (args is ["sql-load", ..])
{
    await SqlLoadBenchmark.RunAsync(args[1..]);
    return;
}

// `-- postgres [--tasks N] [--runs R] [--chain C] [--hangfire-chain C]`: the workflow server (1 and 2 nodes) side by side
// with Hangfire on one throwaway PostgreSQL (tests/bench.sh postgres).
if (args is ["postgres", ..])
{
    await PostgresBenchmark.RunAsync(args[1..]);
    return;
}

// `-- alerts [--alerts N]`: alert delivery through the outbox and the dispatcher to a local SMTP server and webhook (tests/bench-alerts.sh).
if (args is ["alerts", ..])
{
    await AlertBenchmark.RunAsync(args[1..]);
    return;
}

// `-- ui [--workflows N] [--runs R] [--tasks T] [--wide W]`: the built web UI in headless Chromium (tests/bench-ui.sh).
if (args is ["ui", ..])
{
    await UiBenchmark.RunAsync(args[1..]);
    return;
}

// `-- server-start [--repeat N] [--published DIR]`: the Release server process with the repository's workflows: time to ready and idle RSS.
if (args is ["server-start", ..]) { await ServerStartBenchmark.RunAsync(args[1..]); return; }

// `-- runs-list [--runs 1000,10000,100000]`: GET /api/v1/runs, first and deep pages, over SQLite and PostgreSQL.
if (args is ["runs-list", ..]) { await RunsListBenchmark.RunAsync(args[1..]); return; }

// `-- schedule`: what one trigger fire costs the scheduler, walking from the start against the timetable (tests/bench-schedule.sh).
if (args is ["schedule", ..])
{
    ScheduleBenchmark.Run();
    return;
}

// `-- validation`: validation time of long task chains alone (also part of the default run), then the designer's
// validation round trip over HTTP.
if (args is ["validation", ..])
{
    ValidationBenchmark.Run(new ActivityRegistry(Orchestrator.Core.Activities.Core.CoreActivities.Descriptors()));
    Console.WriteLine();
    await ValidateRoundTripBenchmark.RunAsync();
    return;
}

// Engine overhead benchmark: no-op tasks through the one executor as `orchestrator run` drives it (LocalRun: the
// queue worker over an in-memory run queue; state machine, template-free inputs, attempt runner, in-memory stores).
// Goal: <= 1 s of engine overhead for 10,000 no-op tasks in memory.
var dataDirectory = Directory.CreateTempSubdirectory("orchestrator-bench-").FullName;
await using var services = new ServiceCollection().AddOrchestratorCore(dataDirectory).BuildServiceProvider();
var registry = services.GetRequiredService<ActivityRegistry>();
var runner = services.GetRequiredService<LocalRun>();

Console.WriteLine($"Orchestrator engine benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
await Measure("warm-up: 1,000 tasks, 10 layers", Layered(10, 100), iterations: 3, print: false);
await Measure("10,000 no-op tasks, 100 layers x 100, 2 upstreams each", Layered(100, 100), iterations: 5);
await Measure("10,000 no-op tasks, independent (maxActiveTasks 64)", Layered(1, 10_000), iterations: 5);
await Measure("1,000 no-op tasks in a chain (latency upstream end -> downstream start)", Layered(1_000, 1), iterations: 5);
Console.WriteLine();
ValidationBenchmark.Run(registry);
Directory.Delete(dataDirectory, recursive: true);

Console.WriteLine();
Console.WriteLine("Durable execution (QueueWorker over the SQLite run queue, one node)");
await DurableBenchmark.RunAsync("warm-up (not counted)", Layered(1, 200), runs: 1);
foreach (var slots in new[] { 16, 64 })
{
    DurableBenchmark.Slots = slots;
    await DurableBenchmark.RunAsync($"1,000 independent no-op tasks in one run, {slots} worker slots", Layered(1, 1_000), runs: 1);
}

DurableBenchmark.Slots = 16;
await DurableBenchmark.RunAsync("100 runs of 10 no-op tasks in a chain", Layered(10, 1), runs: 100);
await DurableBenchmark.RunAsync("a chain of 200 no-op tasks (latency upstream end -> downstream start)", Layered(200, 1), runs: 1);

Console.WriteLine();
Console.WriteLine("Durable execution over PostgreSQL (a throwaway local cluster, fsync off; every worker is a node of its own)");
await DurableBenchmark.RunAsync("warm-up (not counted)", Layered(1, 200), runs: 1, BenchDatabase.Postgres);
foreach (var (slots, workers) in new[] { (16, 1), (64, 1), (32, 2) })
{
    DurableBenchmark.Slots = slots;
    await DurableBenchmark.RunAsync($"2,000 independent no-op tasks in one run, {workers} worker(s) x {slots} slots", Layered(1, 2_000), runs: 1, BenchDatabase.Postgres, workers);
}

DurableBenchmark.Slots = 32;
await DurableBenchmark.RunAsync("200 runs of 10 no-op tasks in a chain, 2 workers x 32 slots", Layered(10, 1), runs: 200, BenchDatabase.Postgres, workers: 2);
DurableBenchmark.Slots = 16;
await DurableBenchmark.RunAsync("a chain of 200 no-op tasks (latency upstream end -> downstream start), 2 workers", Layered(200, 1), runs: 1, BenchDatabase.Postgres, workers: 2);

async Task Measure(string name, WorkflowDefinition definition, int iterations, bool print = true)
{
    var plan = WorkflowPlan.Compile(definition, registry);
    var timings = new List<double>();
    var cpu = new List<double>();
    long allocated = 0;
    for (var i = 0; i < iterations; i++)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var result = await runner.RunAsync(plan, new RunRequest());
        watch.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        if (result.Run.State != RunState.Succeeded)
        {
            throw new InvalidOperationException($"benchmark run ended {result.Run.State}");
        }

        timings.Add(watch.Elapsed.TotalMilliseconds);
        cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
    }

    if (!print)
    {
        return;
    }

    timings.Sort();
    cpu.Sort();
    var median = timings[timings.Count / 2];
    var tasks = definition.Tasks.Count;
    Console.WriteLine($"{name}");
    Console.WriteLine($"  median {median:F0} ms (min {timings[0]:F0}, max {timings[^1]:F0}) over {iterations} runs; " +
                      $"{tasks / (median / 1000):N0} tasks/s; {median * 1000 / tasks:F1} µs/task; {allocated / tasks / 1024.0:F1} KiB allocated/task; " +
                      $"median {cpu[cpu.Count / 2]:F0} ms of CPU in the process");
}

static WorkflowDefinition Layered(int layers, int width)
{
    var tasks = new List<TaskDefinition>(layers * width);
    for (var layer = 0; layer < layers; layer++)
    {
        for (var i = 0; i < width; i++)
        {
            IReadOnlyList<string>? upstream = layer == 0
                ? null
                : width == 1 ? [$"t{layer - 1}-0"] : [$"t{layer - 1}-{i}", $"t{layer - 1}-{(i + 1) % width}"];
            tasks.Add(new TaskDefinition { Id = $"t{layer}-{i}", Activity = "core.noop", DependsOn = upstream });
        }
    }

    return new WorkflowDefinition
    {
        Id = "bench",
        Concurrency = new ConcurrencyLimits { MaxActiveTasks = 64 },
        Tasks = tasks,
    };
}
