using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Schema;

namespace Orchestrator.Core.Validation;

/// <summary>The outcome of validating one workflow file: its definition when valid, else every error found.</summary>
public sealed record WorkflowValidationResult(string File, WorkflowDefinition? Definition, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool IsValid => Diagnostics.Count == 0 && Definition is not null;
}

/// <summary>
/// Validates workflow files and reports all errors at once: JSON syntax, the structure of the generated
/// schema, then the meaning (ids, dependencies, cycles, activities and their inputs, params, templates).
/// Semantic checks read the located tree, so one broken task does not hide the errors of the others.
/// </summary>
public sealed class WorkflowValidator
{
    private static readonly Lazy<JsonObject> WorkflowSchema = new(JsonSchemas.Workflow);
    private readonly ActivityRegistry _activities;
    private readonly ConnectionCatalog? _connections;

    /// <param name="connections">When given, connection names are checked against it; without, they are not checked.</param>
    public WorkflowValidator(ActivityRegistry activities, ConnectionCatalog? connections = null)
    {
        _activities = activities;
        _connections = connections;
    }

    public WorkflowValidationResult ValidateFile(string path)
        => Validate(path, File.ReadAllBytes(path));

    public WorkflowValidationResult Validate(string file, string json) => Validate(file, Encoding.UTF8.GetBytes(json));

    public WorkflowValidationResult Validate(string file, byte[] utf8)
    {
        var diagnostics = new List<Diagnostic>();
        var document = LocatedJsonParser.Parse(utf8);
        if (document.SyntaxError is { } syntax)
        {
            var code = syntax.Kind switch
            {
                JsonErrorKind.Encoding => DiagnosticCodes.InvalidEncoding,
                JsonErrorKind.InvalidString => DiagnosticCodes.InvalidString,
                _ => DiagnosticCodes.JsonSyntax,
            };
            diagnostics.Add(new Diagnostic(file, syntax.Position, "$", code, syntax.Message));
            return new WorkflowValidationResult(file, null, diagnostics);
        }

        var root = document.Root!;
        foreach (var duplicate in document.Duplicates)
        {
            diagnostics.Add(new Diagnostic(file, duplicate.Position, duplicate.Path, DiagnosticCodes.DuplicateProperty,
                $"property '{duplicate.Name}' is written twice"));
        }

        if (root.Kind != LocatedKind.Object)
        {
            diagnostics.Add(new Diagnostic(file, root.Position, "$", DiagnosticCodes.WrongType,
                $"a workflow file holds a JSON object, not {root.JsonTypeName}"));
            return new WorkflowValidationResult(file, null, diagnostics);
        }

        var validator = new JsonSchemaValidator(WorkflowSchema.Value, WorkflowFormats.Check);
        diagnostics.AddRange(validator.Validate(root).Select(v => FromStructure(file, v)));
        new SemanticChecks(file, root, _activities, _connections, diagnostics).Run();

        var ordered = diagnostics
            .DistinctBy(d => (d.Position, d.Code, d.Message))
            .OrderBy(d => d.Position.Line).ThenBy(d => d.Position.Column)
            .ToList();
        if (ordered.Count > 0)
        {
            return new WorkflowValidationResult(file, null, ordered);
        }

        try
        {
            var definition = JsonSerializer.Deserialize(utf8, OrchestratorJsonContext.Default.WorkflowDefinition);
            return new WorkflowValidationResult(file, definition, ordered);
        }
        catch (JsonException e)
        {
            // The schema checks should have caught this; keep the promise of a located error anyway.
            var position = new TextPosition((int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1);
            ordered.Add(new Diagnostic(file, position, e.Path ?? "$", DiagnosticCodes.WrongType, e.Message));
            return new WorkflowValidationResult(file, null, ordered);
        }
    }

    private static Diagnostic FromStructure(string file, SchemaViolation v)
    {
        var code = v.Kind switch
        {
            ViolationKind.UnknownProperty => DiagnosticCodes.UnknownProperty,
            ViolationKind.MissingProperty => DiagnosticCodes.MissingProperty,
            ViolationKind.WrongType => DiagnosticCodes.WrongType,
            ViolationKind.NotAllowedValue when v.Path.EndsWith(".triggerRule", StringComparison.Ordinal) => DiagnosticCodes.InvalidTriggerRule,
            ViolationKind.NotAllowedValue => DiagnosticCodes.ValueNotAllowed,
            ViolationKind.PatternMismatch when v.Detail == Ids.Pattern => DiagnosticCodes.InvalidId,
            ViolationKind.PatternMismatch when v.Detail == ChannelReference.Pattern => DiagnosticCodes.InvalidChannel,
            ViolationKind.PatternMismatch => DiagnosticCodes.PatternMismatch,
            ViolationKind.OutOfRange => DiagnosticCodes.OutOfRange,
            ViolationKind.InvalidFormat => WorkflowFormats.CodeFor(v.Detail!),
            _ => DiagnosticCodes.WrongType,
        };
        var message = v.Kind switch
        {
            ViolationKind.UnknownProperty or ViolationKind.NotAllowedValue => v.Message + Suggestions.For(v.Detail ?? Last(v.Message), v.Allowed),
            ViolationKind.PatternMismatch when code == DiagnosticCodes.InvalidId => $"invalid id {v.Message[..v.Message.IndexOf(" does not", StringComparison.Ordinal)]}: ids are lower-case letters, digits, '_', '.', '-' and start with a letter or digit",
            ViolationKind.PatternMismatch when code == DiagnosticCodes.InvalidChannel => $"invalid channel {v.Message[..v.Message.IndexOf(" does not", StringComparison.Ordinal)]}: write email:<name> or slack:<name>",
            _ => v.Message,
        };
        return new Diagnostic(file, v.Position, v.Path, code, message);
    }

    private static string Last(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start >= 0 ? message.IndexOf('\'', start + 1) : -1;
        return end > start ? message[(start + 1)..end] : message;
    }
}
