using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The designer's validation round trip: <c>POST /api/v1/validate</c> of a 300-task draft, as the designer sends it
/// (indented, every task with a position, inputs that read upstream outputs), against the real server on loopback.
/// Goal: at most 150 ms per round trip.
/// </summary>
internal static class ValidateRoundTripBenchmark
{
    private const int Tasks = 300;
    private const int Rounds = 50;

    public static async Task RunAsync()
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-validate-bench-").FullName;
        var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = Directory.CreateDirectory(Path.Combine(root, "workflows")).FullName,
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient { BaseAddress = address };
            var body = Draft(Tasks);
            for (var i = 0; i < 5; i++)
            {
                await PostAsync(http, body);
            }

            var times = new List<double>();
            for (var i = 0; i < Rounds; i++)
            {
                times.Add(await PostAsync(http, body));
            }

            times.Sort();
            Console.WriteLine($"POST /api/v1/validate of a {Tasks}-task draft ({body.Length / 1024.0:F0} KiB, indented, positions, upstream outputs), {Rounds} round trips on loopback:");
            Console.WriteLine($"  median {times[Rounds / 2]:F1} ms, p95 {times[(int)(Rounds * 0.95)]:F1} ms, max {times[^1]:F1} ms (goal <= 150 ms)");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<double> PostAsync(HttpClient http, string body)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsync("/api/v1/validate", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        watch.Stop();
        if (!response.IsSuccessStatusCode || !(bool)answer["valid"]!)
        {
            throw new InvalidOperationException($"the benchmark draft was not accepted: {answer.ToJsonString()}");
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>30 layers of 10 tasks; each task depends on two of the layer above and reads both their outputs.</summary>
    private static string Draft(int tasks)
    {
        const int width = 10;
        var list = new JsonArray();
        for (var i = 0; i < tasks; i++)
        {
            var (layer, column) = (i / width, i % width);
            var task = new JsonObject { ["id"] = $"t{i:D3}", ["activity"] = "core.log" };
            if (layer == 0)
            {
                task["with"] = new JsonObject { ["message"] = "start {{ params.label }} at {{ run.logical_date }}" };
            }
            else
            {
                var (a, b) = ((layer - 1) * width + column, (layer - 1) * width + (column + 1) % width);
                task["with"] = new JsonObject { ["message"] = $"{{{{ tasks.t{a:D3}.outputs.message }}}} and {{{{ tasks.t{b:D3}.outputs.message }}}}" };
                task["dependsOn"] = new JsonArray($"t{a:D3}", $"t{b:D3}");
            }

            task["ui"] = new JsonObject { ["x"] = column * 220, ["y"] = layer * 120 };
            list.Add(task);
        }

        var definition = new JsonObject
        {
            ["$schema"] = "./workflow.schema.json",
            ["id"] = "designer-bench",
            ["params"] = new JsonObject { ["label"] = new JsonObject { ["type"] = "string", ["default"] = "bench" } },
            ["tasks"] = list,
        };
        return definition.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
