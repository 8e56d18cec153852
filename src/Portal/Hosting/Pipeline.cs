using Portal.Endpoints;

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
        });

        Idempotency.UseIdempotencyBuffering(app);
        app.UseTokenThrottle();
        app.UseAuthentication();
        app.UseCookieApiGuard();
        app.UseAuthorization();
        app.UseIntegrationKeyRule();
        app.UseRateLimiter();
        app.UseAntiforgery();
    }
}
