namespace Portal.Hosting;

public static class HealthEndpoints
{
    public static void MapPortalHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") }).ExcludeFromDescription();
    }
}
