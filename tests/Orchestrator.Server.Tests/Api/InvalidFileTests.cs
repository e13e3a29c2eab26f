using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public sealed class InvalidFileTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    [Fact]
    public async Task InvalidFiles_ListsAFileThatNeverHeldAValidWorkflow_WithItsLocatedErrors()
    {
        await File.WriteAllTextAsync(Path.Combine(server.WorkflowsDirectory, "half-written.json"), """
            {
              "id": "half-written",
              "tasks": [
                { "id": "a", "activity": "core.nope" }
              ]
            }
            """);

        await ServerFixture.WaitUntilAsync(
            async () => (await server.GetArrayAsync("/api/v1/invalid-files")).Any(f => (string?)f!["file"] == "half-written.json"),
            "the invalid file to be listed");

        var file = (await server.GetArrayAsync("/api/v1/invalid-files")).Single(f => (string?)f!["file"] == "half-written.json")!;
        var error = file["errors"]!.AsArray().Single()!;
        Assert.Equal("workflows/half-written.json", (string?)error["file"]);
        Assert.Equal(4, (int?)error["line"]);
        Assert.Equal("WF011", (string?)error["code"]);
        Assert.DoesNotContain(await server.GetArrayAsync("/api/v1/workflows"), w => (string?)w!["id"] == "half-written");
    }

    [Fact]
    public async Task InvalidFiles_IsEmpty_WhenEveryFileIsValid_OrFixed()
    {
        var path = Path.Combine(server.WorkflowsDirectory, "fixed-later.json");
        await File.WriteAllTextAsync(path, """{ "id": "fixed-later", "tasks": [ { "id": "a", "activity": "core.nope" } ] }""");
        await ServerFixture.WaitUntilAsync(
            async () => (await server.GetArrayAsync("/api/v1/invalid-files")).Any(f => (string?)f!["file"] == "fixed-later.json"), "the file to be invalid");

        await File.WriteAllTextAsync(path, """{ "id": "fixed-later", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");

        await ServerFixture.WaitUntilAsync(
            async () => (await server.GetArrayAsync("/api/v1/invalid-files")).All(f => (string?)f!["file"] != "fixed-later.json"), "the fixed file to leave the list");
        Assert.NotNull(await server.FindInListAsync("fixed-later"));
    }
}
