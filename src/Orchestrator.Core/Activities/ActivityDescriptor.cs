using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Json;
using Orchestrator.Core.Schema;

namespace Orchestrator.Core.Activities;

/// <summary>Catalog entry of an activity type, derived from its class, attribute and input/output records.</summary>
public sealed class ActivityDescriptor
{
    private readonly ObjectFactory _factory;

    private ActivityDescriptor(Type implementation, ActivityAttribute attribute, Type input, Type output)
    {
        Implementation = implementation;
        Type = attribute.Type;
        Category = attribute.Category;
        Description = attribute.Description;
        InputType = input;
        OutputType = output;
        InputSchema = JsonSchemas.For(input, OrchestratorJson.Activities);
        OutputSchema = JsonSchemas.For(output, OrchestratorJson.Activities);
        ConnectionInputs = OrchestratorJson.Activities.GetTypeInfo(input).Properties
            .Select(p => (p.Name, Attribute: p.AttributeProvider?.GetCustomAttributes(typeof(ConnectionInputAttribute), true).OfType<ConnectionInputAttribute>().FirstOrDefault()))
            .Where(p => p.Attribute is not null)
            .ToDictionary(p => p.Name, p => p.Attribute!.Types, StringComparer.Ordinal);
        _factory = ActivatorUtilities.CreateFactory(implementation, []);
    }

    public string Type { get; }
    public string Category { get; }
    public string Description { get; }
    public Type Implementation { get; }
    public Type InputType { get; }
    public Type OutputType { get; }
    public JsonObject InputSchema { get; }
    public JsonObject OutputSchema { get; }

    /// <summary>Inputs that name a connection (JSON name → accepted connection types).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ConnectionInputs { get; }

    /// <summary>Output names, for checking <c>tasks.x.outputs.name</c> references.</summary>
    public IReadOnlyCollection<string> OutputNames => (OutputSchema["properties"] as JsonObject)?.Select(p => p.Key).ToArray() ?? [];

    public IActivity Create(IServiceProvider services) => (IActivity)_factory(services, null);

    public static ActivityDescriptor From(Type implementation)
    {
        var attribute = implementation.GetCustomAttribute<ActivityAttribute>()
            ?? throw new ArgumentException($"{implementation.Name} has no [Activity] attribute.", nameof(implementation));
        for (var t = implementation; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Activity<,>))
            {
                var args = t.GetGenericArguments();
                return new ActivityDescriptor(implementation, attribute, args[0], args[1]);
            }
        }

        throw new ArgumentException($"{implementation.Name} does not derive from Activity<TInput, TOutput>.", nameof(implementation));
    }
}
