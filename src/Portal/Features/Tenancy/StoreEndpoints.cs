using Portal.Core.Retention;
using Portal.Hosting;

namespace Portal.Features.Tenancy;

/// <summary>The store's size, for portal administrators: the store is shared by every tenant, so it is no tenant's route.</summary>
public static class StoreEndpoints
{
    public static void MapStoreEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/store", (HttpContext http, StoreUsageService service) => ApiResults.Ok(service.GetAsync(http.User, http.RequestAborted)))
            .RequireAuthorization().WithTags("Store").WithName("store.get")
            .WithSummary("The store's size on disk (bytes, null before the first measurement) and when it was measured; portal administrators only.")
            .WithDescription("The SQLite file and its write-ahead log, or pg_database_size on PostgreSQL, measured at start and after each retention sweep " +
                "(the portal.store.size metric). The store is shared by every tenant: anyone else, a tenant's Admin or an API client included, is refused with 403.")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
    }
}
