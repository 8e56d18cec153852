using Portal.Endpoints;

namespace Portal.Hosting;

public static class Pipeline
{
    public static void UsePortalPipeline(this WebApplication app)
    {
        // XRPC (seed 003) answers in its own {error, message} shape, never ProblemDetails.
        app.UseWhen(ctx => ApiPaths.IsXrpc(ctx.Request.Path), xrpc =>
        {
            xrpc.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandler = ctx => XrpcResults.WriteStatusAsync(ctx, "An unexpected error occurred."),
            });
            xrpc.UseStatusCodePages(ctx => XrpcResults.WriteStatusAsync(ctx.HttpContext, $"The request failed with status {ctx.HttpContext.Response.StatusCode}."));
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
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
    }
}
