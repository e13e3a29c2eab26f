using Orchestrator.Server.Security;
using Scalar.AspNetCore;

namespace Orchestrator.Server.Api;

public static class ApiRegistration
{
    /// <summary>ProblemDetails, the OpenAPI document and the API's JSON settings.</summary>
    public static IServiceCollection AddOrchestratorApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddOrchestratorOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            // Numbers are numbers: "5" is not an integer, and the OpenAPI document types integers as integer only.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new Core.Json.IsoDurationConverter());
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
            o.SerializerOptions.TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.WithAddedModifier(
                o.SerializerOptions.TypeInfoResolver ?? new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(), WorkflowModelJson.OmitNulls);
        });
        return services;
    }

    /// <summary>
    /// Errors as ProblemDetails (a body over the size limit, or otherwise unreadable, is the client's error: its
    /// status, not 500), then authentication and the key roles.
    /// </summary>
    public static WebApplication UseOrchestratorApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary><c>/api/v1</c> (every route needs at least the viewer role), the OpenAPI document and its reference at <c>/api</c>.</summary>
    public static WebApplication MapOrchestratorApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiPolicies.Viewer).ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapWorkflowEndpoints();
        api.MapWorkflowFileEndpoints();
        api.MapWorkflowHistoryEndpoints();
        api.MapScheduleEndpoints();
        api.MapInvalidFileEndpoints();
        api.MapRunEndpoints();
        api.MapDraftRunEndpoints();
        api.MapCatalogEndpoints();
        api.MapAlertEndpoints();
        app.MapGroup("/api/v1").MapServerEndpoints();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api", o => o.WithTitle("Orchestrator API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }
}
