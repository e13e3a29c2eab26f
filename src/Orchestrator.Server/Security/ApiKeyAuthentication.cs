using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Orchestrator.Server.Security;

/// <summary>
/// Authenticates <c>X-Api-Key: …</c> or <c>Authorization: Bearer …</c> against the configured keys, comparing
/// SHA-256 digests in constant time. Without configured keys on loopback every caller is an admin (a laptop);
/// listening beyond loopback without keys refuses to start (<see cref="ApiKeyPolicy"/>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<SecurityOptions> security,
    ApiKeyPolicy policy) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string RoleClaim = "orchestrator_role";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!policy.Required)
        {
            return Task.FromResult(Success("local", ApiRole.Admin));
        }

        var presented = Request.Headers["X-Api-Key"].FirstOrDefault();
        if (presented is null && Request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKey? match = null;
        foreach (var key in security.Value.ApiKeys)
        {
            // Every key is compared, in constant time, so timing tells nothing about which or how much matched.
            if (CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))))
            {
                match = key;
            }
        }

        return Task.FromResult(match is null
            ? AuthenticateResult.Fail("invalid API key")
            : Success(match.Name ?? "api-key", match.Role));
    }

    private AuthenticateResult Success(string name, ApiRole role)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(RoleClaim, role.ToString())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>Authorization policies named after roles; a role satisfies every policy of a role at or below it.</summary>
public static class ApiPolicies
{
    public const string Viewer = nameof(ApiRole.Viewer);
    public const string Operator = nameof(ApiRole.Operator);
    public const string Editor = nameof(ApiRole.Editor);
    public const string Admin = nameof(ApiRole.Admin);

    public static void Add(AuthorizationOptions options)
    {
        foreach (var role in Enum.GetValues<ApiRole>())
        {
            options.AddPolicy(role.ToString(), p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(c => Enum.TryParse<ApiRole>(c.User.FindFirst(ApiKeyAuthenticationHandler.RoleClaim)?.Value, out var held) && held >= role));
        }
    }
}
