using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Storage;

/// <summary>Opens the object store of an s3 or file connection.</summary>
public static class ObjectStores
{
    public const string DefaultConnection = "lake";

    public static IReadOnlyList<string> Types { get; } = [ConnectionTypes.S3, ConnectionTypes.File];

    public static IObjectStore Open(ConnectionCatalog connections, string? name, DataDirectory data)
    {
        var connection = connections.Get(name ?? DefaultConnection, Types);
        return connection.Type == ConnectionTypes.File
            ? new FolderObjectStore(data.Resolve(connection.Require("path")), connection.Name)
            : new S3ObjectStore(connection);
    }
}
