using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Orchestrator.Server.Api;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, shaped so that a typed client can be generated from it: the API
/// key scheme on every operation that needs a key, free-form objects open to any property, the types the API writes
/// with its own converters (schedules, ISO 8601 durations) described as they appear on the wire, and no server
/// address (the document is the same whichever address served it, and is committed).
/// </summary>
public static class OpenApiDocumentation
{
    public const string ApiKeyScheme = "ApiKey";

    public static IServiceCollection AddOrchestratorOpenApi(this IServiceCollection services)
        => services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Servers = [];
                document.Info = new OpenApiInfo { Title = "Orchestrator API", Version = "v1" };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-Api-Key",
                    Description = "An API key of the server's configuration; `Authorization: Bearer <key>` is accepted too.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;

                // Every body is bounded by Orchestrator:MaxRequestBodySize: a larger one is answered 413.
                if (operation.RequestBody is not null && operation.Responses is { } withBody && !withBody.ContainsKey("413"))
                {
                    var problem = await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), cancellationToken: ct);
                    withBody["413"] = new OpenApiResponse
                    {
                        Description = "The body is larger than Orchestrator:MaxRequestBodySize (5 MiB by default).",
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
                    };
                }

                if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] }];
                }

                // By status code, as readers (and JavaScript's own object order) expect.
                if (operation.Responses is { } responses)
                {
                    var sorted = responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
                    responses.Clear();
                    foreach (var (status, response) in sorted)
                    {
                        responses[status] = response;
                    }
                }
            });
            o.AddSchemaTransformer(async (schema, context, ct) =>
            {
                var type = context.JsonTypeInfo.Type;
                if ((Nullable.GetUnderlyingType(type) ?? type).IsEnum && schema.Enum is { Count: > 0 } values)
                {
                    // One component per enum whether a property is nullable or not: nullable properties say null
                    // themselves (oneOf null and the enum), so the enum's own values never include it.
                    schema.Enum = values.Where(v => v is not null && v.GetValueKind() != System.Text.Json.JsonValueKind.Null).ToList();
                    schema.Type = JsonSchemaType.String;
                }
                else if (type == typeof(Core.Model.ScheduleDefinition))
                {
                    schema.Description ??= "A cron string (evaluated in UTC) or an object with cron, timezone, start, end and catchup.";
                    schema.OneOf =
                    [
                        new OpenApiSchema { Type = JsonSchemaType.String, Description = "A cron expression, evaluated in UTC." },
                        await context.GetOrCreateSchemaAsync(typeof(Core.Model.ScheduleObject), cancellationToken: ct),
                    ];
                }
                else if (type == typeof(TimeSpan) || type == typeof(TimeSpan?))
                {
                    schema.Type = JsonSchemaType.String | (type == typeof(TimeSpan?) ? JsonSchemaType.Null : 0);
                    schema.Format = "duration";
                    schema.Description ??= "An ISO 8601 duration, e.g. PT30S.";
                }
                else if (context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Dictionary
                    && schema.AdditionalProperties is null)
                {
                    // Free-form objects (run params, outputs): any property, so clients type them as records of unknown.
                    schema.AdditionalProperties = new OpenApiSchema();
                }
            });
        });

    /// <summary>Requires a role above viewer, and says so in the document: a key of a lower role is answered 403.</summary>
    public static RouteHandlerBuilder RequireRole(this RouteHandlerBuilder builder, string policy)
        => builder.RequireAuthorization(policy).ProducesProblem(StatusCodes.Status403Forbidden);
}
