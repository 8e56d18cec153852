using Portal.Core.Account;
using Portal.Core.Common;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.Tenancy;

/// <summary>Tenants the caller can use; portal administrators create tenants; tenant Admins manage members.</summary>
public static class TenantsEndpoints
{
    public static void MapTenantsEndpoints(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("/v1/tenants").RequireAuthorization().WithTags("Tenants");
        tenants.MapGet("", async (HttpContext http, TenantAccess access) =>
                TypedResults.Ok(await access.ListTenantsAsync(http.User, http.RequestAborted)))
            .WithName("tenants.list").WithSummary("Tenants the caller belongs to.").ProducesProblem(StatusCodes.Status401Unauthorized);

        tenants.MapPost("", (HttpContext http, TenantInput body, TenantService service) =>
                ApiResults.Created(service.CreateTenantAsync(http.User.Email() ?? "", http.Connection.RemoteIpAddress?.ToString(), body, http.RequestAborted), t => $"/v1/tenants/{t.Id}"))
            .WithName("tenants.create").WithSummary("Creates a tenant (portal administrators only); the caller or firstAdminEmail becomes its Admin.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
    }

    public static void MapMembersEndpoints(this RouteGroupBuilder tenant)
    {
        var members = tenant.MapGroup("/members").WithTags("Members");
        members.MapGet("", async (HttpContext http, TenantService service, int? skip, int? take) =>
                TypedResults.Ok(await service.ListMembersAsync(http.Actor(), Paging.From(skip, take), http.RequestAborted)))
            .WithName("members.list").WithSummary("Members of the tenant and their roles, by e-mail.");
        members.MapPost("", (HttpContext http, MemberInput body, TenantService service) =>
                ApiResults.Ok(service.AddMemberAsync(http.Actor(), body, http.RequestAborted)))
            .WithName("members.upsert").WithSummary("Adds a member or changes their role; a new local account's initial password is returned only here.")
            .ProducesProblem(400).ProducesProblem(403);
        members.MapDelete("/{email}", (HttpContext http, string email, TenantService service) =>
                ApiResults.NoContent(service.RemoveMemberAsync(http.Actor(), email, http.RequestAborted)))
            .WithName("members.remove").WithSummary("Removes a member (never the last Admin).")
            .ProducesProblem(403).ProducesProblem(409);
        members.MapPost("/{email}:resetPassword", (HttpContext http, string email, AccountService service) =>
                ApiResults.Ok(service.ResetMemberPasswordAsync(http.Actor(), email, http.RequestAborted)))
            .WithName("members.resetPassword")
            .WithSummary("Sets a new generated password for a member (returned only here) and ends their sessions; refused for a member who also belongs to a tenant where the caller is not Admin.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).AcceptsEmptyJsonBody().WithIdempotency();

        var security = tenant.MapGroup("/security").WithTags("Members");
        security.MapGet("", async (HttpContext http, AccountService service) => TypedResults.Ok(await service.GetTenantSecurityAsync(http.Actor(), http.RequestAborted)))
            .WithName("tenantSecurity.get").WithSummary("The tenant's security settings.");
        security.MapPut("", (HttpContext http, TenantSecurityInput body, AccountService service) =>
                ApiResults.Ok(service.SetTenantSecurityAsync(http.Actor(), body, http.RequestAborted)))
            .WithName("tenantSecurity.update").WithSummary("requireTwoFactor: members must have two-factor sign-in on to open the tenant (API clients are not affected).")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
    }
}
