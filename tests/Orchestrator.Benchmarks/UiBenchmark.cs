using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Orchestrator.Server.Hosting;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The built web UI in Debian's headless Chromium against the real server (SQLite): initial JavaScript (gzip), the
/// workflows page with N workflows and the grid with R runs × T tasks rendered after their data arrived, and a live
/// run of W tasks: graph render, the longest main-thread task while events stream in, click → task panel.
/// Render times are read inside the page: from the end of the API response (Resource Timing) to the first DOM
/// mutation that shows the rows (MutationObserver installed before the app starts).
/// </summary>
internal static partial class UiBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var workflows = Option(args, "--workflows", 200);
        var runs = Option(args, "--runs", 100);
        var tasks = Option(args, "--tasks", 200);
        var wide = Option(args, "--wide", 1000);
        Console.WriteLine($"Orchestrator web UI benchmark ({Environment.ProcessorCount} cores, headless Chromium, SQLite), {DateTime.UtcNow:yyyy-MM-dd}");

        var root = Directory.CreateTempSubdirectory("orchestrator-ui-bench-").FullName;
        var folder = Path.Combine(root, "workflows");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < workflows; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"wf-{i:D3}.json"), $$"""
                { "id": "wf-{{i:D3}}", "name": "Workflow {{i}}", "tags": ["team-{{i % 7}}", "bench"],
                  "schedule": { "cron": "{{i % 60}} * * * *", "timezone": "UTC" }, "params": { "rows": { "type": "integer", "default": 10 } },
                  "tasks": [ { "id": "a", "activity": "core.noop" }, { "id": "b", "activity": "core.noop", "dependsOn": ["a"] } ] }
                """);
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "grid.json"), Layered("grid", tasks, 10, "core.noop", maxActiveRuns: runs));
        await File.WriteAllTextAsync(Path.Combine(folder, "wide.json"), Layered("wide", wide, 10, "core.sleep", maxActiveRuns: 1));
        await File.WriteAllTextAsync(Path.Combine(folder, "designed.json"), Layered("designed", 300, 15, "core.noop", maxActiveRuns: 1));

        var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = folder,
            ["Orchestrator:Workers:Slots"] = "64",
            ["Orchestrator:Workers:PollInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
            await MeasureAsync(http, address, workflows, runs, tasks, wide);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task MeasureAsync(HttpClient http, Uri address, int workflows, int runs, int tasks, int wide)
    {
        var rows = new List<(string What, string Value, string Goal)>();
        rows.Add(("initial JavaScript (gzip)", $"{await InitialJavaScriptAsync(http) / 1024.0:F0} KB", "<= 350 KB"));

        Console.WriteLine($"creating {runs} runs of a {tasks}-task workflow ...");
        var created = Stopwatch.StartNew();
        var runIds = new List<string>();
        for (var i = 0; i < runs; i++)
        {
            runIds.Add(await TriggerAsync(http, "grid"));
        }

        foreach (var id in runIds)
        {
            await WaitForEndAsync(http, id);
        }

        Console.WriteLine($"  done in {created.Elapsed.TotalSeconds:F0} s");

        await using var chromium = new HeadlessChromium();
        await chromium.StartAsync();
        var page = await chromium.NewPageAsync();
        await page.AddInitScriptAsync(Watcher);

        var list = new List<double>();
        var grid = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            list.Add(await RenderAsync(page, new Uri(address, "/").ToString(), "[data-workflow]", "/api/v1/workflows"));
            grid.Add(await RenderAsync(page, new Uri(address, $"/workflows/grid?tab=grid&runs={runs}").ToString(), "button[role=gridcell]", "/grid"));
        }

        rows.Add(($"workflows page, {workflows + 2} workflows: render after data (median of 3)", $"{Median(list):F0} ms", "<= 1,000 ms"));
        rows.Add(($"grid, {runs} runs x {tasks} tasks: render after data (median of 3)", $"{Median(grid):F0} ms", "<= 1,000 ms"));

        // A live run of `wide` one-second tasks: the graph, main-thread blocking while events stream, click → panel.
        var live = await TriggerAsync(http, "wide");
        await page.GotoAsync(new Uri(address, $"/runs/{live}").ToString());
        var graph = await page.EvaluateAsync<double>("() => window.__bench.when('.task-node')");
        var detail = await page.EvaluateAsync<double>("() => performance.getEntriesByType('resource').filter(e => /\\/api\\/v1\\/runs\\/[0-9a-f-]+$/.test(e.name)).map(e => e.responseEnd)[0] ?? 0");
        rows.Add(($"run page, {wide} tasks: graph drawn after the run's data", $"{graph - detail:F0} ms", "interactive"));
        await page.EvaluateAsync("() => window.__bench.watchLongTasks()");
        var clicks = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(2000);
            var node = page.Locator(".task-node").Nth(i);
            var label = await node.GetAttributeAsync("aria-label") ?? "";
            var taskId = TaskLabel().Match(label).Groups[1].Value;
            var started = Stopwatch.StartNew();
            await node.ClickAsync();
            await page.GetByRole(AriaRole.Complementary, new() { Name = $"Task {taskId}" }).WaitForAsync();
            clicks.Add(started.Elapsed.TotalMilliseconds);
        }

        var longest = await page.EvaluateAsync<double>("() => window.__bench.longest");
        var blocking = await page.EvaluateAsync<double>("() => window.__bench.blocking");
        var events = await http.GetFromJsonAsync<JsonObject>($"/api/v1/runs/{live}");
        var ended = events!["tasks"]!.AsArray().Count(t => (string?)t!["state"] == "succeeded");
        rows.Add(($"run page while {ended} of {wide} tasks ended: longest main-thread task", $"{longest:F0} ms", "< 200 ms"));
        rows.Add(("  total blocking time over ~10 s of events", $"{blocking:F0} ms", ""));
        rows.Add(("  click on a node -> task panel shown (median of 5)", $"{Median(clicks):F0} ms", "< 500 ms"));
        await http.PostAsync($"/api/v1/runs/{live}/cancel", null);

        // The designer on a 300-task workflow: drag one task for a second and count the frames the page drew, then
        // the validation round trip the edit caused (the browser's own Resource Timing of POST /validate).
        await page.GotoAsync(new Uri(address, "/workflows/designed/edit").ToString());
        await page.Locator("[data-task='t0']").WaitForAsync();
        await page.GetByRole(AriaRole.Status, new() { Name = "Validation" }).Filter(new() { HasText = "valid" }).WaitForAsync();
        var box = (await page.Locator("[data-task='t0']").BoundingBoxAsync())!;
        await page.EvaluateAsync("() => { window.__frames = 0; const tick = () => { window.__frames++; if (window.__counting) requestAnimationFrame(tick); }; window.__counting = true; requestAnimationFrame(tick); }");
        var drag = Stopwatch.StartNew();
        await page.Mouse.MoveAsync(box.X + 20, box.Y + 10);
        await page.Mouse.DownAsync();
        for (var step = 1; step <= 60; step++)
        {
            await page.Mouse.MoveAsync(box.X + 20 + step * 4, box.Y + 10 + step * 2);
        }

        await page.Mouse.UpAsync();
        var frames = await page.EvaluateAsync<double>("() => { window.__counting = false; return window.__frames; }");
        var seconds = drag.Elapsed.TotalSeconds;
        await page.WaitForFunctionAsync("() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/v1/validate')).length >= 2");
        var validate = await page.EvaluateAsync<double>("() => { const v = performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/v1/validate')); const e = v[v.length - 1]; return e.responseEnd - e.startTime; }");
        rows.Add(("designer, 300 tasks: frames drawn while dragging a task", $"{frames / seconds:F0} fps", "60 fps"));
        rows.Add(("designer, 300 tasks: validation round trip after an edit", $"{validate:F0} ms", "<= 150 ms"));

        Console.WriteLine();
        Console.WriteLine($"| {"measure",-62} | {"value",10} | {"goal",-12} |");
        Console.WriteLine($"|{new string('-', 64)}|{new string('-', 12)}|{new string('-', 14)}|");
        foreach (var (what, value, goal) in rows)
        {
            Console.WriteLine($"| {what,-62} | {value,10} | {goal,-12} |");
        }
    }

    // Installed before the app's scripts: records when a selector first matches, and long main-thread tasks.
    private const string Watcher = """
        window.__bench = {
          seen: {}, longest: 0, blocking: 0,
          when(selector) {
            return new Promise(resolve => {
              const hit = () => document.querySelector(selector) ? (resolve(performance.now()), true) : false;
              if (hit()) return;
              const observer = new MutationObserver(() => { if (hit()) observer.disconnect(); });
              observer.observe(document, { childList: true, subtree: true });
            });
          },
          watchLongTasks() {
            this.longest = 0; this.blocking = 0;
            new PerformanceObserver(list => {
              for (const e of list.getEntries()) { this.longest = Math.max(this.longest, e.duration); this.blocking += Math.max(0, e.duration - 50); }
            }).observe({ type: 'longtask', buffered: false });
          },
        };
        """;

    private static async Task<double> RenderAsync(IPage page, string url, string selector, string api)
    {
        await page.GotoAsync("about:blank");
        await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Commit });
        var shown = await page.EvaluateAsync<double>("s => window.__bench.when(s)", selector);
        var arrived = await page.EvaluateAsync<double>(
            "a => Math.max(0, ...performance.getEntriesByType('resource').filter(e => e.name.includes(a)).map(e => e.responseEnd))", api);
        return shown - arrived;
    }

    private static async Task<long> InitialJavaScriptAsync(HttpClient http)
    {
        var html = await http.GetStringAsync("/");
        long total = 0;
        foreach (Match m in ScriptOrPreload().Matches(html))
        {
            var bytes = await http.GetByteArrayAsync(m.Groups[1].Value);
            using var compressed = new MemoryStream();
            await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                await gzip.WriteAsync(bytes);
            }

            total += compressed.Length;
        }

        return total;
    }

    private static string Layered(string id, int count, int layers, string activity, int maxActiveRuns)
    {
        var width = Math.Max(1, count / layers);
        var tasks = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var layer = i / width;
            var with = activity == "core.sleep" ? """, "with": { "duration": "PT1S" }""" : "";
            var depends = layer == 0 ? "" : $$""", "dependsOn": ["t{{(layer - 1) * width + i % width}}"]""";
            tasks.Add($$"""{ "id": "t{{i}}", "activity": "{{activity}}"{{with}}{{depends}} }""");
        }

        return $$"""{ "id": "{{id}}", "concurrency": { "maxActiveRuns": {{maxActiveRuns}}, "maxActiveTasks": 64 }, "tasks": [ {{string.Join(",\n", tasks)}} ] }""";
    }

    private static async Task<string> TriggerAsync(HttpClient http, string workflow)
    {
        using var response = await http.PostAsJsonAsync($"/api/v1/workflows/{workflow}/runs", new { @params = new { } });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private static async Task WaitForEndAsync(HttpClient http, string id)
    {
        while (true)
        {
            var run = await http.GetFromJsonAsync<JsonObject>($"/api/v1/runs/{id}");
            if ((string?)run!["run"]!["state"] is "succeeded" or "failed" or "cancelled")
            {
                return;
            }

            await Task.Delay(250);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    [GeneratedRegex("<(?:script[^>]*\\ssrc|link[^>]*rel=\"modulepreload\"[^>]*\\shref)=\"([^\"]+)\"")]
    private static partial Regex ScriptOrPreload();

    [GeneratedRegex("^Task (.+): ")]
    private static partial Regex TaskLabel();
}
