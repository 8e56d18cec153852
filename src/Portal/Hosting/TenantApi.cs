using Portal.Core.Tenancy;

namespace Portal.Hosting;

/// <summary>The <c>/v1/tenants/{tenant}</c> group: authenticated, and resolved to an <see cref="Actor"/> of that tenant or 404.</summary>
public static class TenantApi
{
    public static RouteGroupBuilder MapTenantApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("/v1/tenants/{tenant}").RequireTenant("tenant");

    /// <summary>Requires a signed-in caller and resolves the tenant named by <paramref name="routeParameter"/> to an <see cref="Actor"/>; not a member → 404.</summary>
    public static RouteGroupBuilder RequireTenant(this RouteGroupBuilder group, string routeParameter)
    {
        group.RequireAuthorization();
        group.AddEndpointFilter(async (ctx, next) =>
        {
            var http = ctx.HttpContext;
            var tenant = http.GetRouteValue(routeParameter) as string ?? "";
            var access = http.RequestServices.GetRequiredService<TenantAccess>();
            var actor = await access.AuthorizeAsync(http.User, tenant, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            if (!actor.IsSuccess)
            {
                // 404 for a tenant that is not the caller's; 403 when it is, but requires two-factor sign-in the person has not turned on.
                return ApiResults.Problem(actor.Error!);
            }

            http.Items[typeof(Actor)] = actor.Value;
            return await next(ctx);
        });
        group.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>The portal's address as this request reached it (scheme, host, path base): the base of the URLs a response hands out.</summary>
    public static string RequestBaseUrl(this HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    public static Actor Actor(this HttpContext http) =>
        http.Items[typeof(Actor)] as Actor ?? throw new InvalidOperationException("No tenant actor: the endpoint is outside the tenant group.");
}
