using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary><c>Orchestrator:Activities:Disabled</c>: a server can refuse arbitrary code (core.shell) and says where it is used.</summary>
public sealed class DisabledActivityTests : IAsyncLifetime
{
    private const string ShellWorkflow = """
        {
          "id": "shell",
          "tasks": [
            { "id": "run", "activity": "core.shell", "with": { "executable": "true" } }
          ]
        }
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-disabled-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Validate_ReportsTheActivityWhereItIsUsed_WhenItIsDisabled()
    {
        await using var server = await StartAsync("core.shell");

        using var response = await server.Client.PostAsync("/api/v1/validate", ServerFixture.Json(ShellWorkflow));

        var result = await ServerFixture.ReadObjectAsync(response);
        Assert.False((bool?)result["valid"]);
        var error = Assert.Single(result["errors"]!.AsArray())!;
        Assert.Equal(("WF060", 4, 32, "$.tasks[0].activity"), ((string)error["code"]!, (int)error["line"]!, (int)error["column"]!, (string)error["path"]!));
        Assert.Contains("core.shell", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_RefusesTheWorkflow_WhenItUsesADisabledActivity()
    {
        await using var server = await StartAsync("core.shell");

        using var response = await server.Client.PutAsync("/api/v1/workflows/shell", ServerFixture.Json(ShellWorkflow));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.False(File.Exists(Path.Combine(_root, "workflows", "shell.json")));
    }

    [Fact]
    public async Task Validate_AcceptsTheWorkflow_WhenAnotherActivityIsDisabled()
    {
        await using var server = await StartAsync("spark.submit");

        using var response = await server.Client.PostAsync("/api/v1/validate", ServerFixture.Json(ShellWorkflow));

        Assert.True((bool?)(await ServerFixture.ReadObjectAsync(response))["valid"]);
    }

    [Fact]
    public async Task Start_Fails_WhenADisabledActivityIsUnknown()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync("core.shel"));

        Assert.Contains("Orchestrator:Activities:Disabled names unknown activity types: core.shel", error.Message, StringComparison.Ordinal);
    }

    private Task<TestServer> StartAsync(string disabled)
        => TestServer.StartAsync(_root, settings: new Dictionary<string, string?> { ["Orchestrator:Activities:Disabled:0"] = disabled });
}
