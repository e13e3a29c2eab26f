namespace Orchestrator.Persistence.Tests;

/// <summary>A directory of its own for one test class, removed with everything in it afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "orchestrator-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path for a new database file inside the directory.</summary>
    public string NewDatabasePath() => System.IO.Path.Combine(Path, Guid.NewGuid().ToString("N") + ".db");

    // The tests dispose the service providers of their databases, which closes the pooled connections to the files.
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
