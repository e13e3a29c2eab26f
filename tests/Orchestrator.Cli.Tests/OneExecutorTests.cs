using System.Reflection;
using System.Reflection.Emit;
using System.Text.Json;
using Orchestrator.Core.Engine;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// <c>orchestrator run</c> executes on the server's executor: the queue worker decides pools and the run timeout in
/// the CLI process too, and nothing but <see cref="QueueWorker"/> starts an attempt in any assembly.
/// </summary>
public sealed class OneExecutorTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-cli-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Run_HonoursPoolSlots_FromTheEnvironment_AsTheServerDoes()
    {
        var path = Write("pooled.json", """
            {
              "id": "pooled",
              "concurrency": { "maxActiveTasks": 8 },
              "defaults": { "pool": "warehouse" },
              "tasks": [
                { "id": "a", "activity": "core.sleep", "with": { "duration": "PT0.2S" } },
                { "id": "b", "activity": "core.sleep", "with": { "duration": "PT0.2S" } },
                { "id": "c", "activity": "core.sleep", "with": { "duration": "PT0.2S" } }
              ]
            }
            """);

        var result = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["Orchestrator__Pools__warehouse"] = "1" },
            "run", path, "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var spans = report.RootElement.GetProperty("tasks").EnumerateArray()
            .Select(t => (Start: t.GetProperty("startedAt").GetDateTimeOffset(), End: t.GetProperty("endedAt").GetDateTimeOffset()))
            .OrderBy(s => s.Start)
            .ToList();
        Assert.Equal(3, spans.Count);
        // One slot: each attempt starts when the previous one has ended, never beside it.
        Assert.True(spans[1].Start >= spans[0].End && spans[2].Start >= spans[1].End, string.Join(", ", spans));
    }

    [Fact]
    public async Task Run_FailsATaskInAPoolTheEnvironmentDoesNotConfigure()
    {
        var path = Write("gpu.json", """{ "id": "gpu", "tasks": [ { "id": "train", "activity": "core.noop", "pool": "gpu" } ] }""");

        var result = await CliProcess.RunAsync(_work, "run", path, "--output", "json");

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var task = report.RootElement.GetProperty("tasks")[0];
        Assert.Equal("failed", task.GetProperty("state").GetString());
        Assert.Contains("pool 'gpu' is not configured", task.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ExitsTwo_WhenAPoolOfTheEnvironmentHasNoSlotCount()
    {
        var path = Write("noop.json", """{ "id": "noop", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");

        var result = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["Orchestrator__Pools__warehouse"] = "many" }, "run", path);

        Assert.True(result.ExitCode == 2, result.Stdout + result.Stderr);
        Assert.Contains("Orchestrator:Pools:warehouse", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StopsARunAtItsRunTimeout_AndFailsIt()
    {
        var path = Write("deadline.json", """
            {
              "id": "deadline",
              "runTimeout": "PT1S",
              "tasks": [
                { "id": "long", "activity": "core.sleep", "with": { "duration": "PT5M" } },
                { "id": "next", "activity": "core.noop", "dependsOn": ["long"] }
              ]
            }
            """);

        var result = await CliProcess.RunAsync(_work, "run", path, "--output", "json");

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        Assert.Equal("failed", report.RootElement.GetProperty("state").GetString());
        var tasks = report.RootElement.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        Assert.Equal("failed", tasks["long"].GetProperty("state").GetString());
        Assert.Equal("stopped: the run timed out", tasks["long"].GetProperty("error").GetString());
        Assert.Equal("cancelled", tasks["next"].GetProperty("state").GetString());
        // Stopped at its deadline, long before the sleep (or a heartbeat-paced watchdog) would have ended it.
        var long_ = tasks["long"];
        Assert.True(long_.GetProperty("endedAt").GetDateTimeOffset() - long_.GetProperty("startedAt").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void OnlyTheQueueWorker_StartsAttempts_InAnyAssembly()
    {
        var runAttempt = typeof(AttemptRunner).GetMethod(nameof(AttemptRunner.RunAsync))!;
        var callers = new SortedSet<string>(StringComparer.Ordinal);
        var assemblies = Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
            .Select(Path.GetFileName)
            .Where(f => f == "orchestrator.dll" || (f!.StartsWith("Orchestrator.", StringComparison.Ordinal) && !f.Contains(".Tests", StringComparison.Ordinal)))
            .Select(f => Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, f!)))
            .ToList();
        Assert.Contains(assemblies, a => a.GetName().Name == "Orchestrator.Server");
        Assert.Contains(assemblies, a => a.GetName().Name == "orchestrator");
        foreach (var assembly in assemblies)
        {
            foreach (var type in Types(assembly))
            {
                foreach (var method in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                {
                    if (Calls(method, runAttempt))
                    {
                        callers.Add(Outermost(type).FullName!);
                    }
                }
            }
        }

        Assert.Equal([typeof(QueueWorker).FullName!], callers);
        Assert.Null(typeof(QueueWorker).Assembly.GetType("Orchestrator.Core.Engine.WorkflowRunner"));
    }

    private static IEnumerable<Type> Types(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    /// <summary>Whether the method's IL has a call or callvirt whose token resolves to <paramref name="target"/>.</summary>
    private static bool Calls(MethodInfo method, MethodInfo target)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return false;
        }

        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] != OpCodes.Call.Value && il[i] != OpCodes.Callvirt.Value)
            {
                continue;
            }

            try
            {
                var called = method.Module.ResolveMethod(BitConverter.ToInt32(il, i + 1), method.DeclaringType?.GetGenericArguments(), method.GetGenericArguments());
                if (called is MethodInfo info && info.DeclaringType == target.DeclaringType && info.Name == target.Name)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException)
            {
                // Not a method token (the byte was part of another instruction's operand), or one that does not load here.
            }
        }

        return false;
    }
}
