using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Server.Tests.Cluster;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// <c>/metrics</c> of a real server process after a run: our series, the runtime's and ASP.NET Core's, nothing
/// private, and every series the Grafana dashboard in <c>docker/</c> queries.
/// </summary>
public sealed partial class MetricsTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Where every exported series comes from: ours, the process, the runtime meter, ASP.NET Core's meters, and the
    /// exporter's count of the instruments it follows.
    /// </summary>
    private static readonly string[] AllowedPrefixes =
    [
        "orchestrator_", "process_", "dotnet_", "system_runtime_", "microsoft_aspnetcore_hosting_", "microsoft_aspnetcore_server_kestrel_",
        "prometheus_net_meteradapter_instruments_connected",
    ];

    /// <summary>PromQL words that look like metric names but are not.</summary>
    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "inf", "nan"];

    // Its success alert goes to a channel that is not configured: recorded as a failed delivery.
    private const string Workflow = """
        {
          "id": "measured",
          "alerts": [ { "on": ["run_succeeded"], "notify": ["slack:nowhere"] } ],
          "tasks": [
            { "id": "first", "activity": "core.log", "with": { "message": "one" } },
            { "id": "second", "activity": "core.log", "dependsOn": ["first"], "with": { "message": "two" } }
          ]
        }
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-metrics-").FullName;

    [Fact]
    public async Task Metrics_HaveEverySeriesTheDashboardQueries_AndNothingPrivate_AfterARun()
    {
        await using var node = await StartAsync();
        var created = await node.PostAsync("/api/v1/workflows/measured/runs", "{}", HttpStatusCode.Created);
        var runId = (string)created["id"]!;
        await WaitUntilAsync(node, async () => (string?)(await node.GetAsync($"/api/v1/runs/{runId}"))["run"]!["state"] == "succeeded", $"run {runId} succeeded");
        string text = "";
        await WaitUntilAsync(node, async () =>
        {
            text = await node.Client.GetStringAsync("/metrics");
            return text.Contains("orchestrator_alert_deliveries_total{", StringComparison.Ordinal);
        }, "the alert delivery counted");

        var exported = SeriesNames(text);
        Assert.DoesNotContain("msquic", text, StringComparison.OrdinalIgnoreCase);
        var foreign = exported.Where(name => !AllowedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))).ToList();
        Assert.True(foreign.Count == 0, $"series that are nobody's contract: {string.Join(", ", foreign)}");

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docker", "grafana", "dashboards", "orchestrator.json")));
        var queried = DashboardSeries(dashboard.RootElement);
        Assert.True(queried.Count >= 15, $"the dashboard reads only {queried.Count} series: {string.Join(", ", queried)}");
        var missing = queried.Where(name => !exported.Contains(name)).Order().ToList();
        Assert.True(missing.Count == 0, $"the dashboard queries series that /metrics does not have: {string.Join(", ", missing)}\n{text}");

        // Runs and task instances counted by state; the wait of the two queued tasks observed.
        Assert.Contains("orchestrator_runs{state=\"running\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("orchestrator_task_instances{state=\"queued\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("orchestrator_queue_wait_seconds_count 2", text, StringComparison.Ordinal);
        Assert.Contains("orchestrator_alert_deliveries_total{channel=\"slack:nowhere\",outcome=\"failed\"} 1", text, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the killed process; the temp directory is cleaned by the system.
        }

        return Task.CompletedTask;
    }

    /// <summary>Metric names the dashboard's panels and variables read.</summary>
    private static SortedSet<string> DashboardSeries(JsonElement dashboard)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                names.UnionWith(MetricsIn(target.GetProperty("expr").GetString()!));
            }
        }

        foreach (var variable in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            // label_values(metric, label): the label is not a series.
            var query = variable.GetProperty("query").GetProperty("query").GetString()!;
            names.Add(LabelValues().Match(query) is { Success: true } match ? match.Groups[1].Value : query);
        }

        return names;
    }

    /// <summary>The metric names of a PromQL expression: identifiers outside label matchers, ranges and grouping lists that are not functions.</summary>
    private static IEnumerable<string> MetricsIn(string expression)
    {
        var bare = Grouping().Replace(Ranges().Replace(Matchers().Replace(expression, " "), " "), " ");
        foreach (Match match in Identifier().Matches(bare))
        {
            var followedBy = bare[(match.Index + match.Length)..].TrimStart();
            if (!followedBy.StartsWith('(') && !Keywords.Contains(match.Value))
            {
                yield return match.Value;
            }
        }
    }

    /// <summary>The names of the samples in a Prometheus text exposition.</summary>
    private static HashSet<string> SeriesNames(string exposition)
        => exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);

    private async Task<ServerNode> StartAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "measured.json"), Workflow);
        var node = ServerNode.Start("metrics", _root, new Dictionary<string, string>
        {
            ["Orchestrator__DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator__WorkflowsDirectory"] = Path.Combine(_root, "workflows"),
        });
        await node.WaitUntilReadyAsync(Patience);
        return node;
    }

    private static async Task WaitUntilAsync(ServerNode node, Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"not within {Patience.TotalSeconds} s: {what}\n{node.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w$.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,")]
    private static partial Regex LabelValues();
}
