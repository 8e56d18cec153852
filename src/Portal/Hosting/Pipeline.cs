using Portal.Features.IntegrationKeys;
using Portal.Features.SigningSecrets;

namespace Portal.Hosting;

public static class Pipeline
{
    public static void UsePortalPipeline(this WebApplication app)
    {
        app.UseSecretPathRedaction();
        // XRPC (seed 003) answers in its own {error, message} shape, never ProblemDetails.
        app.UseWhen(ctx => ApiPaths.IsXrpc(ctx.Request.Path), xrpc =>
        {
            xrpc.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandler = XrpcResults.WriteStatusAsync,
            });
            xrpc.UseStatusCodePages(ctx => XrpcResults.WriteStatusAsync(ctx.HttpContext));
        });
        app.UseWhen(ctx => ApiPaths.IsApi(ctx.Request.Path) && !ApiPaths.IsXrpc(ctx.Request.Path), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        app.UseWhen(ctx => !ApiPaths.IsApi(ctx.Request.Path), ui =>
        {
            if (!app.Environment.IsDevelopment())
            {
                ui.UseExceptionHandler("/error", createScopeForErrors: true);
            }

            // A browser asking for a page that does not exist gets the styled 404 page (other clients keep the bare status).
            ui.UseWhen(IsPageRequest, pages => pages.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true));

            // A malformed form post is the sender's fault: its status (400, 413, 415), not an error page.
            ui.Use(async (ctx, next) =>
            {
                try
                {
                    await next(ctx);
                }
                catch (BadHttpRequestException bad) when (!ctx.Response.HasStarted)
                {
                    ctx.Response.StatusCode = bad.StatusCode;
                }
            });
        });

        // Routing after the error and status-code pages, so that their re-execution (/error, /status/404) finds its page.
        app.UseRouting();
        app.UseApiBodyLimit();

        Idempotency.UseIdempotencyBuffering(app);
        app.UseTokenThrottle();
        app.UseAuthentication();
        app.UseCookieApiGuard();
        app.UseAuthorization();
        app.UseIntegrationKeyRule();
        app.UseAntiforgery();
    }

    /// <summary>A browser's GET of a page: not the MCP endpoint, health probes, Blazor's own traffic or static files.</summary>
    private static bool IsPageRequest(HttpContext ctx) =>
        HttpMethods.IsGet(ctx.Request.Method)
        && ctx.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
        && !ctx.Request.Path.StartsWithSegments("/mcp") && !ctx.Request.Path.StartsWithSegments("/healthz")
        && !ctx.Request.Path.StartsWithSegments("/readyz") && !ctx.Request.Path.StartsWithSegments("/_blazor")
        && !ctx.Request.Path.StartsWithSegments("/_framework") && !ctx.Request.Path.StartsWithSegments("/_content");
}
