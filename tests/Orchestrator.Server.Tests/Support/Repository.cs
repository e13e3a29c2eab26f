namespace Orchestrator.Server.Tests.Support;

/// <summary>The checkout the tests run from: the folder of <c>Orchestrator.sln</c> above the test binaries.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orchestrator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Orchestrator.sln not found above the test binaries");
    }
}
