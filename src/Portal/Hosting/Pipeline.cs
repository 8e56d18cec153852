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

        app.UseApiBodyLimit();

        Idempotency.UseIdempotencyBuffering(app);
        app.UseTokenThrottle();
        app.UseAuthentication();
        app.UseCookieApiGuard();
        app.UseAuthorization();
        app.UseIntegrationKeyRule();
        app.UseAntiforgery();
    }
}
