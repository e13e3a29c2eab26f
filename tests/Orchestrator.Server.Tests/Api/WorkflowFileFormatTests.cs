using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

/// <summary>
/// The repository's workflows through the designer's door: read with <c>GET</c>, saved back with <c>PUT</c>. A
/// fake clock before every schedule's start keeps the reference workflows from running.
/// </summary>
public sealed class WorkflowFileFormatTests : IAsyncLifetime
{
    private static readonly string RepositoryWorkflows = Path.Combine(Repository.Root, "workflows");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orchestrator-file-format-" + Guid.NewGuid().ToString("N"));
    private TestServer _server = null!;

    public static TheoryData<string> Workflows()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepositoryWorkflows, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order())
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    public async Task InitializeAsync()
    {
        var workflows = Directory.CreateDirectory(Path.Combine(_root, "workflows")).FullName;
        foreach (var file in Directory.GetFiles(RepositoryWorkflows, "*.json"))
        {
            File.Copy(file, Path.Combine(workflows, Path.GetFileName(file)));
        }

        _server = await TestServer.StartAsync(_root, clock: new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private string FileOf(string id) => Path.Combine(_root, "workflows", id + ".json");

    [Theory]
    [MemberData(nameof(Workflows))]
    public async Task Save_LeavesTheFileByteIdentical_WhenARepositoryWorkflowIsSavedUnchanged(string id)
    {
        var before = await File.ReadAllBytesAsync(FileOf(id));
        var (definition, etag) = await ReadAsync(id);

        using var response = await SaveAsync(id, definition, etag);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(etag, response.Headers.ETag?.Tag);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(before), await File.ReadAllTextAsync(FileOf(id)));
        Assert.Equal(before, await File.ReadAllBytesAsync(FileOf(id)));
    }

    [Fact]
    public async Task Save_ChangesOnlyTheTasksUiLines_WhenOneTaskMoves()
    {
        const string id = "transactions-etl";
        var (definition, etag) = await ReadAsync(id);
        var task = definition["tasks"]![2]!.AsObject();
        var taskId = (string)task["id"]!;
        task["ui"] = new JsonObject { ["x"] = 120, ["y"] = 40 };
        using (var placed = await SaveAsync(id, definition, etag))
        {
            Assert.Equal(HttpStatusCode.OK, placed.StatusCode);
            etag = placed.Headers.ETag!.Tag!;
        }

        var before = await File.ReadAllLinesAsync(FileOf(id));
        task["ui"] = new JsonObject { ["x"] = 360.5, ["y"] = 40 };
        using var moved = await SaveAsync(id, definition, etag);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var after = await File.ReadAllLinesAsync(FileOf(id));
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var line = Assert.Single(changed);
        Assert.Equal("\"x\": 360.5,", after[line].Trim());
        Assert.Equal("\"ui\": {", after[line - 1].Trim());
        var saved = JsonNode.Parse(string.Join('\n', after))!;
        Assert.Equal(taskId, (string?)saved["tasks"]!.AsArray().Single(t => t!["ui"] is not null)!["id"]);
    }

    private async Task<(JsonObject Definition, string ETag)> ReadAsync(string id)
    {
        using var response = await _server.Client.GetAsync($"/api/v1/workflows/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = await ServerFixture.ReadObjectAsync(response);
        Assert.Empty(detail["errors"]!.AsArray());
        var etag = response.Headers.ETag?.Tag;
        Assert.Equal($"\"{detail["workflow"]!["version"]}\"", etag);
        return (detail["definition"]!.AsObject(), etag!);
    }

    private async Task<HttpResponseMessage> SaveAsync(string id, JsonObject definition, string etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/workflows/{id}") { Content = ServerFixture.Json(definition.ToJsonString()) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return await _server.Client.SendAsync(request);
    }
}
