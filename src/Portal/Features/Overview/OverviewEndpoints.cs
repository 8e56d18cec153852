using Portal.Core.Overview;
using Portal.Hosting;

namespace Portal.Features.Overview;

public static class OverviewEndpoints
{
    public static void MapOverviewEndpoints(this RouteGroupBuilder tenant)
    {
        tenant.MapGet("/overview", async (HttpContext http, OverviewService service) =>
                TypedResults.Ok(await service.GetAsync(http.Actor(), http.RequestAborted)))
            .WithTags("Overview").WithName("overview.get")
            .WithSummary("The tenant at a glance: counts, live keys by kind, what needs attention, the last ten audit events.");
    }
}
