using Portal.Core.ApiClients;
using Portal.Core.Common;
using Portal.Hosting;

namespace Portal.Features.ApiClients;

/// <summary>Programmatic callers of a tenant; the client secret appears only in the create and rotate responses.</summary>
public static class ApiClientsEndpoints
{
    public static void MapApiClientsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/api-clients").WithTags("API clients");

        group.MapPost("", (HttpContext http, ApiClientInput body, ApiClientService service) =>
                ApiResults.Created(service.CreateAsync(http.Actor(), body, http.RequestAborted), v => $"{http.Request.Path}/{v.ClientId}"))
            .WithName("apiClients.create").WithSummary("Creates an API client; the secret is returned only here.")
            .ProducesProblem(400).ProducesProblem(403).WithIdempotency();

        group.MapGet("", async (HttpContext http, ApiClientService service, int? skip, int? take) =>
                TypedResults.Ok(await service.ListAsync(http.Actor(), Paging.From(skip, take), http.RequestAborted)))
            .WithName("apiClients.list").WithSummary("Lists API clients (never their secrets).");

        group.MapPost("/{clientId}:rotateSecret", (HttpContext http, string clientId, ApiClientService service) =>
                ApiResults.Ok(service.RotateSecretAsync(http.Actor(), clientId, http.RequestAborted)))
            .WithName("apiClients.rotateSecret").WithSummary("Mints a new secret; the previous one stops working at once.")
            .ProducesProblem(400).ProducesProblem(403).AcceptsEmptyJsonBody().WithIdempotency();

        group.MapDelete("/{clientId}", (HttpContext http, string clientId, ApiClientService service) =>
                ApiResults.NoContent(service.DeleteAsync(http.Actor(), clientId, http.RequestAborted)))
            .WithName("apiClients.delete").WithSummary("Deletes an API client; its tokens stop working at once.")
            .ProducesProblem(403);
    }
}
