using System.Diagnostics;
using System.Text;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Validation;

namespace Orchestrator.Benchmarks;

/// <summary>
/// Validation time of long chains: every task depends on the one before it and reads the outputs of its
/// predecessor and of the first task, so cycle detection and the "is this task upstream?" check see every edge.
/// Goal: a 20,000-task chain validates in under 1 s.
/// </summary>
internal static class ValidationBenchmark
{
    public static void Run(ActivityRegistry registry)
    {
        var validator = new WorkflowValidator(registry);
        Console.WriteLine("Validation of a chain whose tasks read their predecessor's and the first task's outputs");
        Measure(validator, 1_000, lineBreaks: true, print: false);
        foreach (var (tasks, lineBreaks) in new[] { (5_000, true), (20_000, true), (20_000, false) })
        {
            Measure(validator, tasks, lineBreaks, print: true);
        }
    }

    private static void Measure(WorkflowValidator validator, int tasks, bool lineBreaks, bool print)
    {
        var json = Chain(tasks, lineBreaks);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var result = validator.Validate("chain.json", json);
        watch.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (!result.IsValid)
        {
            throw new InvalidOperationException($"benchmark workflow is invalid: {result.Diagnostics[0]}");
        }

        if (print)
        {
            var layout = lineBreaks ? "one task per line" : "all on one line";
            Console.WriteLine($"  {tasks:N0} tasks ({json.Length / 1024.0 / 1024.0:F1} MiB of JSON, {layout}): {watch.Elapsed.TotalMilliseconds:F0} ms ({cpu.TotalMilliseconds:F0} ms of CPU in the process)");
        }
    }

    /// <summary>A chain whose tasks read their predecessor's output and the first task's output.</summary>
    public static string Chain(int tasks, bool lineBreaks)
    {
        var json = new StringBuilder("""{"id":"chain","tasks":[{"id":"t0","activity":"core.log","with":{"message":"start"}}""");
        for (var i = 1; i < tasks; i++)
        {
            json.Append(lineBreaks ? "\n" : "").Append($$$"""
                ,{"id":"t{{{i}}}","activity":"core.log","dependsOn":["t{{{i - 1}}}"],"with":{"message":"{{ tasks.t{{{i - 1}}}.outputs.message }} after {{ tasks.t0.outputs.message }}"}}
                """);
        }

        return json.Append("]}").ToString();
    }
}
