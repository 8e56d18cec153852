using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Hosting;

namespace Portal.Features.Audit;

public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this RouteGroupBuilder tenant)
    {
        tenant.MapGet("/audit", async (HttpContext http, AuditService service, string? action, string? target, string? actor, int? skip, int? take) =>
                TypedResults.Ok(await service.ListAsync(http.Actor(), new AuditQuery(action, target, actor), Paging.From(skip, take), http.RequestAborted)))
            .WithTags("Audit").WithName("audit.list").WithSummary("Audit events of the tenant, newest first.");
    }
}
