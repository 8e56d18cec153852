namespace Portal.Hosting;

public static class HealthEndpoints
{
    public static void MapPortalHealth(this IEndpointRouteBuilder app)
    {
        // Probes are anonymous and answered right after routing (ShortCircuit): no authentication handler, token server
        // or antiforgery runs for them, so a probe neither waits for nor warms what API calls need (StartupWarmup does).
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false }).ExcludeFromDescription().ShortCircuit();
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") }).ExcludeFromDescription().ShortCircuit();
    }
}
