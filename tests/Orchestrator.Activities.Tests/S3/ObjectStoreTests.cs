using System.Text.Json;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Activities.Tests.S3;

/// <summary>
/// s3.upload and s3.download through the engine, each against s3rver (connection <c>store</c> of type s3) and against the
/// embedded lake folder (connection <c>lake</c> of type file): the same semantics on both.
/// </summary>
public sealed class ObjectStoreTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    public static TheoryData<string> Stores => new() { "s3", "file" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task UploadThenDownload_ReturnsIdenticalBytes_WhenPathIsAFolder(string kind)
    {
        await using var harness = Harness(kind);
        var files = WriteFolder(harness, "export");

        var result = await harness.RunAsync(Workflow(
            $$"""{ "id": "up", "activity": "s3.upload", "with": { "connection": "{{Name(kind)}}", "path": "export", "key": "events/dt=2026-11-23" } }""",
            $$"""{ "id": "down", "activity": "s3.download", "dependsOn": ["up"], "with": { "connection": "{{Name(kind)}}", "prefix": "events/dt=2026-11-23/", "path": "back" } }"""));

        var up = WorkflowHarness.Outputs(result, "up");
        var expectedKeys = files.Keys.Select(k => "events/dt=2026-11-23/" + k).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expectedKeys, Strings(up, "keys"));
        Assert.Equal(files.Values.Sum(b => (long)b.Length), up.GetProperty("bytes").GetInt64());
        Assert.Equal(files.Count, up.GetProperty("count").GetInt32());

        var down = WorkflowHarness.Outputs(result, "down");
        Assert.Equal(expectedKeys, Strings(down, "keys"));
        Assert.Equal(files.Count, down.GetProperty("count").GetInt32());
        foreach (var (relative, bytes) in files)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(harness.PathOf(Path.Combine("back", relative))));
            // What the store holds, read without the SDK: the bodies were sent unchunked and unaltered.
            var stored = kind == "s3" ? s3.StoredFile(Prefix(kind) + "events/dt=2026-11-23/" + relative) : harness.PathOf("lake/events/dt=2026-11-23/" + relative);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(stored));
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Download_ReadsOnlyKeysUnderThePrefix_WhenOtherKeysShareTheStore(string kind)
    {
        await using var harness = Harness(kind);
        WriteFolder(harness, "export");

        var result = await harness.RunAsync(Workflow(
            $$"""{ "id": "a", "activity": "s3.upload", "with": { "connection": "{{Name(kind)}}", "path": "export", "key": "listing/dt=1" } }""",
            $$"""{ "id": "b", "activity": "s3.upload", "with": { "connection": "{{Name(kind)}}", "path": "export/part-0.jsonl", "key": "listing/dt=10/" } }""",
            $$"""{ "id": "down", "activity": "s3.download", "dependsOn": ["a", "b"], "with": { "connection": "{{Name(kind)}}", "prefix": "listing/dt=1/", "path": "only-one" } }"""));

        Assert.Equal(["listing/dt=10/part-0.jsonl"], Strings(WorkflowHarness.Outputs(result, "b"), "keys"));
        var down = WorkflowHarness.Outputs(result, "down");
        Assert.Equal(["listing/dt=1/nested/part-1.parquet", "listing/dt=1/part-0.jsonl"], Strings(down, "keys"));
        Assert.False(Directory.Exists(harness.PathOf("only-one/dt=10")));
        Assert.Equal("only-one", down.GetProperty("path").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Download_WritesTheFile_WhenOneKeyIsGiven(string kind)
    {
        await using var harness = Harness(kind);
        var files = WriteFolder(harness, "export");

        var result = await harness.RunAsync(Workflow(
            $$"""{ "id": "up", "activity": "s3.upload", "with": { "connection": "{{Name(kind)}}", "path": "export/part-0.jsonl", "key": "single/part.jsonl", "contentType": "application/x-ndjson" } }""",
            $$"""{ "id": "down", "activity": "s3.download", "dependsOn": ["up"], "with": { "connection": "{{Name(kind)}}", "key": "single/part.jsonl", "path": "copy/part.jsonl" } }"""));

        var down = WorkflowHarness.Outputs(result, "down");
        Assert.Equal("copy/part.jsonl", down.GetProperty("path").GetString());
        Assert.Equal(files["part-0.jsonl"], await File.ReadAllBytesAsync(harness.PathOf("copy/part.jsonl")));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Download_FailsNamingTheKeyWithoutCredentials_WhenTheKeyIsMissing(string kind)
    {
        await using var harness = Harness(kind);

        var result = await harness.RunAsync(Workflow(
            $$"""{ "id": "down", "activity": "s3.download", "with": { "connection": "{{Name(kind)}}", "key": "missing/nothing.parquet", "path": "x.parquet" } }"""));

        var error = FailedWith(result, "down");
        Assert.Contains("object 'missing/nothing.parquet' does not exist", error, StringComparison.Ordinal);
        Assert.DoesNotContain(S3rverFixture.SecretKey, error, StringComparison.Ordinal);
        Assert.False(File.Exists(harness.PathOf("x.parquet")));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Download_Fails_WhenNoKeyHasThePrefix(string kind)
    {
        await using var harness = Harness(kind);

        var result = await harness.RunAsync(Workflow(
            $$"""{ "id": "down", "activity": "s3.download", "with": { "connection": "{{Name(kind)}}", "prefix": "nothing-here/", "path": "out" } }"""));

        Assert.Contains("no object has a key starting with 'nothing-here/'", FailedWith(result, "down"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_FailsWithoutShowingCredentials_WhenTheServerRejectsThem()
    {
        const string accessKey = "AKIAWRONGKEY00000001";
        const string secretKey = "wrong-secret-key-never-shown";
        var settings = s3.ConnectionSettings("store");
        settings["Orchestrator:Connections:store:accessKey"] = accessKey;
        settings["Orchestrator:Connections:store:secretKey"] = secretKey;
        await using var harness = new WorkflowHarness(settings);
        WriteFolder(harness, "export");

        var result = await harness.RunAsync(Workflow(
            """{ "id": "up", "activity": "s3.upload", "with": { "connection": "store", "path": "export", "key": "denied" } }"""));

        var error = FailedWith(result, "up");
        Assert.Contains("upload of 'denied/", error, StringComparison.Ordinal);
        Assert.DoesNotContain(accessKey, error, StringComparison.Ordinal);
        Assert.DoesNotContain(secretKey, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_UsesTheLakeFolder_WhenNoConnectionIsGiven()
    {
        await using var harness = new WorkflowHarness();
        var files = WriteFolder(harness, "export");

        var result = await harness.RunAsync(Workflow(
            """{ "id": "up", "activity": "s3.upload", "with": { "path": "export/part-0.jsonl", "key": "raw/" } }"""));

        Assert.Equal(["raw/part-0.jsonl"], Strings(WorkflowHarness.Outputs(result, "up"), "keys"));
        Assert.Equal(files["part-0.jsonl"], await File.ReadAllBytesAsync(harness.PathOf("lake/raw/part-0.jsonl")));
    }

    [Fact]
    public async Task Upload_Fails_WhenAKeyLeavesTheLakeFolder()
    {
        await using var harness = new WorkflowHarness();
        WriteFolder(harness, "export");

        var result = await harness.RunAsync(Workflow(
            """{ "id": "up", "activity": "s3.upload", "with": { "path": "export/part-0.jsonl", "key": "../outside.jsonl" } }"""));

        Assert.Contains("'..'", FailedWith(result, "up"), StringComparison.Ordinal);
        Assert.False(File.Exists(harness.PathOf("outside.jsonl")));
    }

    private WorkflowHarness Harness(string kind)
        => kind == "s3" ? new WorkflowHarness(s3.ConnectionSettings("store", prefix: Prefix(kind).TrimEnd('/'))) : new WorkflowHarness();

    private static string Name(string kind) => kind == "s3" ? "store" : "lake";

    /// <summary>The s3 connection has a prefix of its own for each test run, so tests sharing the bucket never see each other's keys.</summary>
    private string Prefix(string kind) => kind == "s3" ? _prefix + "/" : "";

    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Two files, one nested, with bytes that a corrupted body (chunk signatures, re-encoding) would change.</summary>
    private static Dictionary<string, byte[]> WriteFolder(WorkflowHarness harness, string folder)
    {
        var random = new Random(7);
        var binary = new byte[300_000];
        random.NextBytes(binary);
        var files = new Dictionary<string, byte[]>
        {
            ["part-0.jsonl"] = "{\"id\":1,\"city\":\"Zürich\"}\n{\"id\":2,\"city\":\"Kraków\"}\n"u8.ToArray(),
            ["nested/part-1.parquet"] = binary,
        };
        foreach (var (relative, bytes) in files)
        {
            var path = harness.PathOf(Path.Combine(folder, relative));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }

        return files;
    }

    private static string Workflow(params string[] tasks) => $$"""{ "id": "s3-test", "tasks": [{{string.Join(",\n", tasks)}}] }""";

    private static string[] Strings(JsonElement outputs, string name) => outputs.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static string FailedWith(RunResult result, string taskId)
    {
        var task = Assert.Single(result.Tasks, t => t.TaskId == taskId);
        Assert.Equal(TaskState.Failed, task.State);
        return Assert.Single(result.Attempts, a => a.TaskId == taskId).Error ?? "";
    }
}
