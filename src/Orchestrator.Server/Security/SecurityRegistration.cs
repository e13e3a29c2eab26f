using Microsoft.AspNetCore.Authentication;

namespace Orchestrator.Server.Security;

public static class SecurityRegistration
{
    /// <summary>
    /// API keys: whether they are required is decided from the addresses the server bound, once it has bound them
    /// (<see cref="ListenAddressCheck"/>); requests wait for that decision.
    /// </summary>
    public static IServiceCollection AddOrchestratorSecurity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyPolicy>();
        services.AddHostedService<ListenAddressCheck>();

        // Authentication's core without AddAuthentication's data protection: API keys need no key ring, and data
        // protection's hosted service reads (or creates and writes) one at every start.
        services.AddWebEncoders();
        services.AddAuthenticationCore(o => o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName);
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(ApiPolicies.Add);
        return services;
    }

    /// <summary>Nothing is served before the key policy is decided from the bound addresses, nothing at all on a refusal.</summary>
    public static WebApplication UseApiKeyDecision(this WebApplication app)
    {
        var keys = app.Services.GetRequiredService<ApiKeyPolicy>();
        app.Use(async (context, next) =>
        {
            if (await keys.WhenDecided.WaitAsync(context.RequestAborted))
            {
                await next(context);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        });
        return app;
    }
}
