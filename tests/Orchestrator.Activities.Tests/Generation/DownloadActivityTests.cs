using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Generation;

/// <summary>data.download against a real HTTP server on loopback.</summary>
public sealed class DownloadActivityTests : IAsyncLifetime
{
    private const string Csv = "id,city\n1,Lyon\n2,Nantes\n";
    private WebApplication _server = null!;
    private string _base = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapGet("/sample.csv", () => Results.Text(Csv, "text/csv"));
        _server.MapGet("/big", () => Results.Text(new string('x', 100_000), "text/plain"));
        _server.MapGet("/missing", () => Results.NotFound());
        await _server.StartAsync();
        _base = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Workflow(string with) => $$"""
        { "id": "download", "tasks": [ { "id": "download", "activity": "data.download", "with": {{with}} } ] }
        """;

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Download_WritesTheFile_AndReportsBytesShaAndContentType()
    {
        await using var harness = new WorkflowHarness();

        var outputs = WorkflowHarness.Outputs(await harness.RunAsync(Workflow($$"""
            { "url": "{{_base}}/sample.csv", "path": "raw/sample.csv", "sha256": "{{Sha(Csv)}}", "contentTypes": ["text/csv"] }
            """)), "download");

        Assert.Equal(Csv, await File.ReadAllTextAsync(harness.PathOf("raw/sample.csv")));
        Assert.Equal(Csv.Length, outputs.GetProperty("bytes").GetInt64());
        Assert.Equal(Sha(Csv), outputs.GetProperty("sha256").GetString());
        Assert.Equal("text/csv", outputs.GetProperty("contentType").GetString());
    }

    [Theory]
    [InlineData("/sample.csv", """ "sha256": "0000000000000000000000000000000000000000000000000000000000000000" """, "not the expected")]
    [InlineData("/sample.csv", """ "contentTypes": ["application/json"] """, "Content-Type 'text/csv'")]
    [InlineData("/big", """ "maxBytes": 1000 """, "above maxBytes (1000)")]
    [InlineData("/missing", """ "maxBytes": 1000 """, "answered 404")]
    public async Task Download_FailsAndLeavesNoFile_WhenACheckFails(string route, string check, string expected)
    {
        await using var harness = new WorkflowHarness();

        var result = await harness.RunAsync(Workflow($$"""{ "url": "{{_base}}{{route}}", "path": "raw/file", {{check}} }"""));

        var attempt = Assert.Single(result.Attempts);
        Assert.Equal(AttemptOutcome.Failed, attempt.Outcome);
        Assert.Contains(expected, attempt.Error);
        Assert.False(Directory.Exists(harness.PathOf("raw")) && Directory.EnumerateFiles(harness.PathOf("raw")).Any(), "no file, not even a partial one");
    }

    [Fact]
    public async Task Download_CopiesAFileUrl_OnlyFromInsideTheDataDirectory()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("local.csv"), Csv);

        var copied = await harness.RunAsync(Workflow("""{ "url": "file:local.csv", "path": "copy.csv" }"""));
        var escaped = await harness.RunAsync(Workflow("""{ "url": "file:../../etc/passwd", "path": "stolen" }"""));

        Assert.Equal(Csv, await File.ReadAllTextAsync(harness.PathOf("copy.csv")));
        Assert.Equal(TaskState.Succeeded, Assert.Single(copied.Tasks).State);
        Assert.Contains("outside the data directory", Assert.Single(escaped.Attempts).Error);
    }
}
