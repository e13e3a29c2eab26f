using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Cli.Tests.Deployment;

/// <summary>
/// Checks the user-facing stack in <c>docker/</c> without a Docker engine: Compose (the Debian
/// <c>docker-compose</c> tool) validates and resolves the file, and every file it references, the Prometheus
/// scrape targets and the Grafana dashboard's queries are checked against the server's contract.
/// </summary>
public sealed partial class DockerComposeTests
{
    private const string ComposeFile = "docker/docker-compose.yml";

    private static readonly string[] OrchestratorNodes = ["orchestrator-1", "orchestrator-2"];

    private static readonly string[] RequiredServices =
        ["postgres", .. OrchestratorNodes, "kafka", "minio", "minio-init", "prometheus", "grafana", "mailpit"];

    private static string Root => CliProcess.RepositoryRoot;

    private static string DockerPath(params string[] parts) => Path.Combine([Root, "docker", .. parts]);

    [Fact]
    public async Task DockerCompose_AcceptsTheComposeFile()
    {
        var result = await DockerComposeAsync("config", "-q");

        Assert.True(result.ExitCode == 0, $"docker-compose config -q exited {result.ExitCode}:\n{result.Stderr}");
        // Every variable has a default: the stack starts without a docker/.env.
        Assert.DoesNotContain("variable is not set", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_DefinesTheStack_WithBothNodesOnOnePostgreSql()
    {
        var services = await ResolvedServicesAsync();

        foreach (var name in RequiredServices)
        {
            Assert.True(services.Children.ContainsKey(name), $"service '{name}' is missing");
        }

        var connectionStrings = new HashSet<string>();
        var nodeNames = new HashSet<string>();
        var hostPorts = new HashSet<int>();
        foreach (var node in OrchestratorNodes)
        {
            var service = Map(services, node);
            var build = Map(service, "build");
            var context = Text(build, "context");
            Assert.Equal(Path.GetFullPath(Root), Path.GetFullPath(context));
            Assert.True(File.Exists(Path.Combine(context, Text(build, "dockerfile"))), $"{node}: Dockerfile not found");

            var environment = Map(service, "environment");
            Assert.Equal("postgresql", Text(environment, "Orchestrator__Database__Provider"));
            connectionStrings.Add(Text(environment, "Orchestrator__Database__ConnectionString"));
            nodeNames.Add(Text(environment, "Orchestrator__NodeName"));
            Assert.Equal("http://0.0.0.0:8080", Text(environment, "ASPNETCORE_URLS"));
            Assert.NotEmpty(Text(environment, "Orchestrator__Security__ApiKeys__0__Key"));
            Assert.Contains(Text(environment, "Orchestrator__Security__ApiKeys__0__Role"), new[] { "viewer", "operator", "editor", "admin" });
            Assert.Equal("/var/lib/orchestrator", Text(environment, "Orchestrator__DataDirectory"));
            Assert.Equal("/workflows", Text(environment, "Orchestrator__WorkflowsDirectory"));

            var port = Assert.Single(Ports(service));
            Assert.Equal(8080, port.Container);
            hostPorts.Add(port.Host);

            Assert.Equal("service_healthy", Text(Map(Map(service, "depends_on"), "postgres"), "condition"));

            var workflows = Assert.Single(Mounts(service), mount => mount.Target == "/workflows");
            Assert.Equal(Path.Combine(Root, "workflows"), workflows.Source);
            Assert.False(workflows.ReadOnly, "the designer saves into /workflows");
        }

        var connectionString = Assert.Single(connectionStrings);
        Assert.Contains("Host=postgres", connectionString, StringComparison.Ordinal);
        Assert.Equal(OrchestratorNodes.Length, nodeNames.Count);
        Assert.Equal(new[] { 8081, 8082 }, hostPorts.Order());

        Assert.Contains("pg_isready", string.Join(' ', Strings(Map(Map(services, "postgres"), "healthcheck"), "test")), StringComparison.Ordinal);
        Assert.Equal("service_completed_successfully", Text(Map(Map(Map(services, "orchestrator-1"), "depends_on"), "minio-init"), "condition"));
    }

    [Fact]
    public async Task Compose_GivesTheNodesConnectionsThatParse_PointingAtTheStacksServices()
    {
        var services = await ResolvedServicesAsync();
        var environment = Map(Map(services, "orchestrator-1"), "environment").Children
            .ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());

        var catalog = Core.Connections.ConnectionCatalog.Load(null, environment);

        Assert.Equal("kafka:9092", catalog.Get("events", Core.Connections.ConnectionTypes.Kafka).Get("bootstrap.servers"));
        Assert.Equal("postgres", catalog.Get("warehouse", Core.Connections.ConnectionTypes.PostgreSql).Get("host"));
        var lake = catalog.Get("lake", Core.Connections.ConnectionTypes.S3);
        Assert.Equal("http://minio:9000", lake.Get("endpoint"));
        Assert.Equal("lake", lake.Get("bucket"));
        var configured = environment.Keys.Where(k => k.StartsWith(Core.Connections.ConnectionCatalog.EnvironmentPrefix, StringComparison.Ordinal))
            .Select(k => k[Core.Connections.ConnectionCatalog.EnvironmentPrefix.Length..].ToLowerInvariant()).ToHashSet();
        Assert.Equal(["events", "lake", "warehouse"], configured.Order());
        foreach (var connection in catalog.All.Where(c => configured.Contains(c.Name)))
        {
            var host = connection.Get("bootstrap.servers") ?? connection.Get("host") ?? new Uri(connection.Require("endpoint")).Host;
            Assert.True(services.Children.ContainsKey(host.Split(':')[0]), $"connection {connection.Name} points at {host}, which is no service of the stack");
        }
    }

    [Fact]
    public async Task Compose_GivesTheNodesTheAlertChannelsOfTheReferenceWorkflows_WithTheInboxOnMailpit()
    {
        var services = await ResolvedServicesAsync();
        var environment = Map(Map(services, "orchestrator-1"), "environment").Children
            .ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());

        // As the server reads them: Orchestrator__A__B settings through configuration, ORCHESTRATOR_CHANNEL_* as URIs.
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(environment.Where(e => e.Key.Contains("__", StringComparison.Ordinal))
                .Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build();
        var catalog = Activities.Alerts.AlertChannelCatalog.Load(configuration, environment);

        var inbox = Assert.IsType<Activities.Alerts.EmailChannel>(catalog.Find("email:data-team"));
        Assert.Equal(("mailpit", 1025, Activities.Alerts.SmtpTls.None), (inbox.Host, inbox.Port, inbox.Tls));
        Assert.True(services.Children.ContainsKey("mailpit"));

        // Without SLACK_WEBHOOK_URL the Slack channel is simply not configured (the server still starts).
        Assert.Null(catalog.Find("slack:data-alerts"));
        Assert.Equal("http://localhost:8081", environment["Orchestrator__PublicUrl"]);
    }

    [Fact]
    public async Task Compose_ReferencesOnlyExistingFiles_AndWaitsOnlyForServicesWithAHealthCheck()
    {
        var services = await ResolvedServicesAsync();

        foreach (var (name, node) in services.Children)
        {
            var service = (YamlMappingNode)node;
            foreach (var mount in Mounts(service).Where(m => m.IsBind))
            {
                Assert.True(File.Exists(mount.Source) || Directory.Exists(mount.Source), $"{name}: mounted path {mount.Source} does not exist");
            }

            if (!service.Children.TryGetValue("depends_on", out var dependsOn))
            {
                continue;
            }

            foreach (var (dependency, condition) in ((YamlMappingNode)dependsOn).Children)
            {
                var target = Map(services, dependency.ToString());
                if (Text((YamlMappingNode)condition, "condition") == "service_healthy")
                {
                    Assert.True(target.Children.ContainsKey("healthcheck"), $"{name} waits for {dependency} to be healthy, which has no health check");
                }
            }
        }

        string[] referenced =
        [
            "Dockerfile",
            "healthcheck.sh",
            "prometheus/prometheus.yml",
            "grafana/provisioning/datasources/prometheus.yml",
            "grafana/provisioning/dashboards/dashboards.yml",
            "grafana/dashboards/orchestrator.json",
            "postgres/init/01-warehouse.sql",
            ".env.example",
        ];
        foreach (var file in referenced)
        {
            Assert.True(File.Exists(DockerPath(file)), $"docker/{file} is missing");
        }

        Assert.True(File.Exists(Path.Combine(Root, ".dockerignore")), ".dockerignore is missing at the build context root");

        // Every file or directory the image build copies from the build context (the repository root) exists.
        var dockerfile = File.ReadAllText(DockerPath("Dockerfile"));
        foreach (var source in CopiedFromContext(dockerfile).Where(s => !s.Contains('*', StringComparison.Ordinal)))
        {
            Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"Dockerfile copies {source}, which does not exist");
        }

        Assert.Contains("ENTRYPOINT [\"dotnet\", \"Orchestrator.Server.dll\"]", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grafana_ProvisionsTheDashboard_OverThePrometheusDataSource()
    {
        var services = await ResolvedServicesAsync();
        var grafana = Map(services, "grafana");

        var datasource = Assert.Single(Sequence(LoadYaml(DockerPath("grafana", "provisioning", "datasources", "prometheus.yml")), "datasources").Cast<YamlMappingNode>());
        var datasourceUid = Text(datasource, "uid");
        Assert.Equal("prometheus", Text(datasource, "type"));
        Assert.Equal("http://prometheus:9090", Text(datasource, "url"));

        // The dashboards provider reads the directory that compose mounts from docker/grafana/dashboards.
        var provider = Assert.Single(Sequence(LoadYaml(DockerPath("grafana", "provisioning", "dashboards", "dashboards.yml")), "providers").Cast<YamlMappingNode>());
        var providerPath = Text(Map(provider, "options"), "path");
        var mounts = Mounts(grafana).ToList();
        Assert.Contains(mounts, m => m.Source == DockerPath("grafana", "dashboards") && m.Target == providerPath);
        Assert.Contains(mounts, m => m.Source == DockerPath("grafana", "provisioning") && m.Target == "/etc/grafana/provisioning");

        using var dashboard = JsonDocument.Parse(File.ReadAllText(DockerPath("grafana", "dashboards", "orchestrator.json")));
        var panels = Panels(dashboard.RootElement).ToList();
        Assert.True(panels.Count >= 6, "the dashboard has too few panels");

        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal(datasourceUid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel '{title}' has no query");
            foreach (var target in targets)
            {
                Assert.Equal(datasourceUid, target.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("expr").GetString()), $"panel '{title}' has an empty query");
            }
        }

        // That every series the queries read exists on /metrics is checked against a running server (MetricsTests of
        // the server's tests).
        Assert.Contains(panels, p => p.GetProperty("targets").EnumerateArray().Any(t =>
            t.GetProperty("expr").GetString()!.Contains("histogram_quantile(0.95", StringComparison.Ordinal)
            && t.GetProperty("expr").GetString()!.Contains("activity", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Prometheus_ScrapesTheMetricsOfBothNodes()
    {
        var services = await ResolvedServicesAsync();
        var prometheus = Map(services, "prometheus");
        Assert.Contains(Mounts(prometheus), m => m.Source == DockerPath("prometheus", "prometheus.yml") && m.Target == "/etc/prometheus/prometheus.yml");

        var job = Assert.Single(Sequence(LoadYaml(DockerPath("prometheus", "prometheus.yml")), "scrape_configs").Cast<YamlMappingNode>(),
            j => Text(j, "job_name") == "orchestrator");
        Assert.Equal("/metrics", Text(job, "metrics_path"));
        var targets = Sequence(job, "static_configs").Cast<YamlMappingNode>().SelectMany(c => Strings(c, "targets")).ToList();

        // Each node is reached by its compose service name on the port the server listens on in the container.
        var nodes = services.Children
            .Where(s => ((YamlMappingNode)s.Value).Children.ContainsKey("build"))
            .Select(s => s.Key.ToString())
            .ToList();
        Assert.Equal(OrchestratorNodes, nodes.Order());
        Assert.Equal(nodes.Select(n => $"{n}:8080").Order(), targets.Order());
    }

    /// <summary>Sources of the Dockerfile's COPY instructions that read the build context (not another stage).</summary>
    private static IEnumerable<string> CopiedFromContext(string dockerfile)
    {
        foreach (var line in dockerfile.Split('\n'))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length < 3 || words[0] != "COPY" || words.Any(w => w.StartsWith("--from=", StringComparison.Ordinal)))
            {
                continue;
            }

            var operands = words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in operands.Take(operands.Count - 1))
            {
                yield return source;
            }
        }
    }

    private static IEnumerable<JsonElement> Panels(JsonElement container)
    {
        foreach (var panel in container.GetProperty("panels").EnumerateArray())
        {
            if (panel.GetProperty("type").GetString() == "row")
            {
                if (panel.TryGetProperty("panels", out _))
                {
                    foreach (var nested in Panels(panel))
                    {
                        yield return nested;
                    }
                }

                continue;
            }

            yield return panel;
        }
    }

    private sealed record Mount(string Source, string Target, bool ReadOnly)
    {
        public bool IsBind => Source.StartsWith('/');
    }

    /// <summary>Volumes as <c>docker-compose config</c> prints them: <c>source:target[:mode]</c>.</summary>
    private static IEnumerable<Mount> Mounts(YamlMappingNode service)
    {
        if (!service.Children.ContainsKey("volumes"))
        {
            yield break;
        }

        foreach (var volume in Strings(service, "volumes"))
        {
            var parts = volume.Split(':');
            Assert.True(parts.Length is 2 or 3, $"unexpected volume syntax '{volume}'");
            yield return new Mount(parts[0], parts[1], parts.Length == 3 && parts[2].Split(',').Contains("ro"));
        }
    }

    /// <summary>Published ports, printed either as <c>[ip:]host:container/tcp</c> or as a mapping.</summary>
    private static IEnumerable<(int Host, int Container)> Ports(YamlMappingNode service)
    {
        foreach (var port in Sequence(service, "ports"))
        {
            if (port is YamlMappingNode map)
            {
                yield return (int.Parse(Text(map, "published"), CultureInfo.InvariantCulture), int.Parse(Text(map, "target"), CultureInfo.InvariantCulture));
                continue;
            }

            var parts = Assert.IsType<YamlScalarNode>(port).Value!.Split('/')[0].Split(':');
            yield return (int.Parse(parts[^2], CultureInfo.InvariantCulture), int.Parse(parts[^1], CultureInfo.InvariantCulture));
        }
    }

    private static async Task<YamlMappingNode> ResolvedServicesAsync()
    {
        var result = await DockerComposeAsync("config");
        Assert.True(result.ExitCode == 0, $"docker-compose config exited {result.ExitCode}:\n{result.Stderr}");
        var stream = new YamlStream();
        stream.Load(new StringReader(result.Stdout));
        return Map((YamlMappingNode)stream.Documents[0].RootNode, "services");
    }

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(key, out var value) ? value : throw new Xunit.Sdk.XunitException($"'{key}' is missing");

    private static YamlMappingNode Map(YamlMappingNode map, string key) => Assert.IsType<YamlMappingNode>(Child(map, key));

    private static YamlSequenceNode Sequence(YamlMappingNode map, string key) => Assert.IsType<YamlSequenceNode>(Child(map, key));

    private static string Text(YamlMappingNode map, string key) => Assert.IsType<YamlScalarNode>(Child(map, key)).Value ?? "";

    private static IEnumerable<string> Strings(YamlMappingNode map, string key) =>
        Sequence(map, key).Children.Select(c => Assert.IsType<YamlScalarNode>(c).Value ?? "");

    private static async Task<CliResult> DockerComposeAsync(params string[] args)
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(ComposeFile);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("docker-compose is not installed: tests/run.sh installs it (apt-get install --no-install-recommends docker-compose).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            return new CliResult(process.ExitCode, await stdout, await stderr);
        }
    }

}
