using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Orchestrator.Server.Hosting;

/// <summary>
/// Serves the web UI built into the output's <c>ui/</c> folder at <c>/</c>: hashed assets cached for a year,
/// <c>index.html</c> never cached (a new build is picked up at once), and every other path that is not the API's
/// answered with <c>index.html</c> so deep links (<c>/runs/{id}</c>, the link in alert messages) open the page.
/// </summary>
public static class WebUi
{
    /// <summary>The UI's JavaScript and the API's JSON go out compressed (Server-Sent Events are not buffered).</summary>
    public static IServiceCollection AddWebUi(this IServiceCollection services)
        => services.AddResponseCompression(o => o.EnableForHttps = true);

    public static WebApplication MapWebUi(this WebApplication app)
    {
        app.UseResponseCompression();
        var root = Path.Combine(AppContext.BaseDirectory, "ui");
        var index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            app.MapGet("/", () => TypedResults.Text(
                "The web UI is not built into this server (it was built with -p:SkipUiBuild=true, or without Node.js). " +
                "The REST API is at /api/v1 and its reference at /api.\n")).ExcludeFromDescription();
            return app;
        }

        var files = new PhysicalFileProvider(root);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });

        // Unknown API paths stay API answers (ProblemDetails 404), never the page.
        app.Map("/api/{**path}", () => Api.Problems.NotFound("no such API endpoint")).ExcludeFromDescription();
        app.MapFallback(async context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            await context.Response.SendFileAsync(index);
        }).ExcludeFromDescription();
        return app;
    }
}
