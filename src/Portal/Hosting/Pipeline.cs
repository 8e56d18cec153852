namespace Portal.Hosting;

public static class Pipeline
{
    public static void UsePortalPipeline(this WebApplication app)
    {
        app.UseSecretPathRedaction();
        app.UseWhen(ctx => ApiPaths.IsApi(ctx.Request.Path), api =>
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

        Portal.Endpoints.Idempotency.UseIdempotencyBuffering(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
    }
}
