using System.Text.Encodings.Web;
using System.Text.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Json;

/// <summary>
/// The one way a workflow file is written: 2-space indent, <c>$schema</c> first, then the model's properties in
/// their declared order (the schema's order), only known properties, a trailing newline. A file written this way
/// and read back is written byte for byte the same, so saving an unchanged definition leaves git clean.
/// </summary>
public static class WorkflowFileFormat
{
    public const string SchemaReference = "./workflow.schema.json";

    // Files are read by people and diffed in git, never embedded in HTML: quotes, '<' and non-ASCII text stay as
    // typed instead of \u0027 escapes. "\n" on every platform, so a save on Windows diffs clean too.
    private static readonly Lazy<JsonSerializerOptions> Options = new(() => new JsonSerializerOptions(OrchestratorJson.Model)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
    });

    /// <summary>The file's text for <paramref name="definition"/>, its <c>$schema</c> set to <see cref="SchemaReference"/>.</summary>
    public static string Write(WorkflowDefinition definition)
        => JsonSerializer.Serialize(definition with { Schema = SchemaReference }, Options.Value) + "\n";
}
