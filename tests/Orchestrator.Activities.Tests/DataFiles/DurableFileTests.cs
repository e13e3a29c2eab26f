using System.Text;
using Orchestrator.Activities.DataFiles;

namespace Orchestrator.Activities.Tests.DataFiles;

/// <summary>A durable write replaces the file whole, or leaves the one before it: never a part, never a temporary file.</summary>
public sealed class DurableFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-durable-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string[] Files() => Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_root, f)).ToArray();

    [Fact]
    public void Write_ReplacesTheFile_AndCreatesItsDirectory()
    {
        var path = Path.Combine(_root, "offsets", "group.json");
        DurableFile.Write(path, stream => stream.Write("old"u8));

        DurableFile.Write(path, stream => stream.Write("new"u8));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([Path.Combine("offsets", "group.json")], Files());
    }

    [Fact]
    public async Task WriteAsync_ReplacesTheFile_AndCreatesItsDirectory()
    {
        var path = Path.Combine(_root, "out", "records.jsonl");
        await DurableFile.WriteAsync(path, stream => stream.WriteAsync("old"u8.ToArray()).AsTask(), CancellationToken.None);

        await DurableFile.WriteAsync(path, stream => stream.WriteAsync(Encoding.UTF8.GetBytes(new string('x', 100_000))).AsTask(), CancellationToken.None);

        Assert.Equal(100_000, new FileInfo(path).Length);
        Assert.Equal([Path.Combine("out", "records.jsonl")], Files());
    }

    [Fact]
    public void Write_KeepsThePreviousFile_AndLeavesNoTemporaryFile_WhenTheWriterFails()
    {
        var path = Path.Combine(_root, "group.json");
        DurableFile.Write(path, stream => stream.Write("old"u8));

        Assert.Throws<InvalidOperationException>(() => DurableFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("broken");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["group.json"], Files());
    }

    [Fact]
    public async Task WriteAsync_KeepsThePreviousFile_AndLeavesNoTemporaryFile_WhenTheWriterFails()
    {
        var path = Path.Combine(_root, "records.jsonl");
        await DurableFile.WriteAsync(path, stream => stream.WriteAsync("old"u8.ToArray()).AsTask(), CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => DurableFile.WriteAsync(path, async stream =>
        {
            await stream.WriteAsync("half"u8.ToArray());
            throw new InvalidOperationException("broken");
        }, CancellationToken.None));

        Assert.Equal("old", await File.ReadAllTextAsync(path));
        Assert.Equal(["records.jsonl"], Files());
    }
}
