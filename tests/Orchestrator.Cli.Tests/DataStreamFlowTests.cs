using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Orchestrator.Cli.Tests;

/// <summary>Seed 003's workflow reading its remote CSV from an HTTP server on loopback, as it would from a real source.</summary>
public sealed class DataStreamFlowTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-dsf-").FullName;
    private readonly HttpListener _listener = new();
    private readonly string _url;

    public DataStreamFlowTests()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _url = $"http://127.0.0.1:{port}/sales.csv";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    // 60 rows plus two duplicates, one amount out of range, one missing city; 4 cities, each with one category (i % 4 fixes i % 2).
    private static readonly string Csv = "transaction_id,amount,city,category\n" + string.Join("\n",
        Enumerable.Range(0, 60).Select(i => $"T{i:D3},{(i == 7 ? 9999 : 10 + i)},{(i == 8 ? "" : $"city-{i % 4}")},{(i % 2 == 0 ? "food" : "travel")}")
            .Concat(["T001,11,city-1,travel", "T002,12,city-2,food"])) + "\n";

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var body = Encoding.UTF8.GetBytes(Csv);
            context.Response.ContentType = "text/csv";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Close();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Run_DownloadsTheRemoteCsv_AndLandsItsCleanAggregatesInTheLake()
    {
        var result = await CliProcess.RunAsync(_work, "run", Path.Combine(CliProcess.RepositoryRoot, "workflows", "data-stream-flow.json"),
            "-p", $"sourceUrl={_url}", "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var tasks = JsonNode.Parse(result.Stdout)!["tasks"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!);
        Assert.Equal("succeeded", (string?)tasks["download"]["state"]);
        Assert.Equal("skipped", (string?)tasks["generate_source"]["state"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(Csv), (long)tasks["download"]["outputs"]!["bytes"]!);
        Assert.Equal(58, (long)tasks["clean"]["outputs"]!["rowsOut"]!);
        Assert.Equal(4, (long)tasks["aggregate"]["outputs"]!["rows"]!);
        Assert.Equal(4, (long)tasks["land"]["outputs"]!["count"]!);
        var key = (string)tasks["upload"]["outputs"]!["keys"]![0]!;
        Assert.True(File.Exists(Path.Combine(_work, "data", "lake", key)), $"the lake holds {key}");
        Assert.Equal("skipped", (string?)tasks["index"]["state"]);
    }
}
