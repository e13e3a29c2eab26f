using Orchestrator.Core.Activities;

namespace Orchestrator.Core.Tests.Activities;

/// <summary>Containment in the data directory is decided on real paths: links that lead out are refused, links that stay in are not.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-datadir-").FullName;

    public DataDirectoryTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "data", "in"));
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
    }

    private DataDirectory Data => new(Path.Combine(_root, "data"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Resolve_Refuses_WhenAFileLinkPointsOutside()
    {
        File.WriteAllText(Path.Combine(_root, "outside", "secret.txt"), "s");
        File.CreateSymbolicLink(Path.Combine(_root, "data", "in", "secret.txt"), Path.Combine(_root, "outside", "secret.txt"));

        var error = Assert.Throws<ActivityFailedException>(() => Data.Resolve("in/secret.txt"));

        Assert.Equal("path 'in/secret.txt' is outside the data directory", error.Message);
    }

    [Fact]
    public void Resolve_Refuses_WhenARelativeDirectoryLinkClimbsOut()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "data", "up"), "../outside");

        Assert.Throws<ActivityFailedException>(() => Data.Resolve("up/new-file.csv"));
    }

    [Fact]
    public void Resolve_ReturnsThePathAsWritten_WhenALinkStaysInside()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "data", "alias"), "in");

        Assert.Equal(Path.Combine(_root, "data", "alias", "x.csv"), Data.Resolve("alias/x.csv"));
    }

    [Fact]
    public void Resolve_Accepts_WhenTheDataDirectoryItselfIsReachedThroughALink()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "linked-data"), Path.Combine(_root, "data"));

        Assert.Equal(Path.Combine(_root, "linked-data", "in", "x.csv"), new DataDirectory(Path.Combine(_root, "linked-data")).Resolve("in/x.csv"));
    }

    [Fact]
    public void Resolve_Refuses_WhenLinksLoop()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "data", "a"), Path.Combine(_root, "data", "b"));
        File.CreateSymbolicLink(Path.Combine(_root, "data", "b"), Path.Combine(_root, "data", "a"));

        Assert.Throws<ActivityFailedException>(() => Data.Resolve("a"));
    }
}
