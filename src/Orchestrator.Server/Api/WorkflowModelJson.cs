using System.Text.Json.Serialization.Metadata;

namespace Orchestrator.Server.Api;

/// <summary>
/// The API writes every DTO property, nulls included, but a workflow definition inside a DTO is written the way its
/// file is: without null properties. Otherwise <c>"triggerRule": null</c> or <c>"topics": null</c> would come back,
/// and the definition a client read could not be saved or validated as it is.
/// </summary>
public static class WorkflowModelJson
{
    private static readonly string? ModelNamespace = typeof(Core.Model.WorkflowDefinition).Namespace;

    public static void OmitNulls(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Type.Namespace != ModelNamespace)
        {
            return;
        }

        foreach (var property in info.Properties)
        {
            property.ShouldSerialize ??= static (_, value) => value is not null;
        }
    }
}
