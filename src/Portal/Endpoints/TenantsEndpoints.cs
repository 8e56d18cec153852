using Portal.Core.Tenancy;

namespace Portal.Endpoints;

/// <summary>Tenants the caller can use; portal administrators create tenants and add members.</summary>
public static class TenantsEndpoints
{
    public static void MapTenantsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/tenants", async (HttpContext http, TenantAccess access) =>
                TypedResults.Ok(await access.ListTenantsAsync(http.User, http.RequestAborted)))
            .RequireAuthorization().WithTags("Tenants").WithName("tenants.list").WithSummary("Tenants the caller belongs to.");
    }
}
