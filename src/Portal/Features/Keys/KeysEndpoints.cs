using System.Text.Json;
using Portal.Core.Common;
using Portal.Core.KeyLifecycle;
using Portal.Hosting;

namespace Portal.Features.Keys;

/// <summary>The tenant's keys across kinds (inventory, rotate, end a grace period) and its key age policy.</summary>
public static class KeysEndpoints
{
    public static void MapKeysEndpoints(this RouteGroupBuilder tenant)
    {
        var keys = tenant.MapGroup("/keys").WithTags("Keys");
        keys.MapGet("", (HttpContext http, KeyInventoryService service, string? kind, string? status, string? sort, int? skip, int? take) =>
                ApiResults.Ok(service.ListAsync(http.Actor(), new KeyInventoryQuery(kind, status, sort), Paging.From(skip, take), http.RequestAborted)))
            .WithName("keys.list")
            .WithSummary("Every key of the tenant across kinds, by prefix (never the secret), with its owner, age, last use and status.")
            .WithDescription("kind: webhook_key, signing_secret, mcp_key, integration_key, api_client_secret. status: active, due, expired, unused, leaked, grace or revoked (without it: every key still accepted, and leaked ones). sort: createdAt (default), lastUsedAt, rotationDueAt, kind or keyPrefix; a leading '-' sorts descending.")
            .Produces<Page<KeyInventoryItem>>().ProducesProblem(400);

        keys.MapGet("/{keyId:guid}", (HttpContext http, Guid keyId, KeyInventoryService service) =>
                ApiResults.Ok(service.GetAsync(http.Actor(), keyId.ToString(), http.RequestAborted)))
            .WithName("keys.get").WithSummary("One key of the tenant (never the secret).")
            .WithDescription("The id is a key's id from the list (a GUID); a GET of {id}:rotate is not this route.")
            .Produces<KeyInventoryItem>().ProducesProblem(404);

        keys.MapPost("/{keyId:guid}:rotate", (HttpContext http, Guid keyId, KeyInventoryService service, int? gracePeriodSeconds) =>
                ApiResults.Ok(service.RotateAsync(http.Actor(), keyId.ToString(), gracePeriodSeconds ?? http.OptionalBody<KeyRotateRequest>()?.GracePeriodSeconds ?? 0, http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("keys.rotate")
            .WithSummary("Rotates the key through its owner's own rotation; the new secret is returned only here.")
            .WithDescription("Only the key in force can be rotated (409 otherwise). gracePeriodSeconds (0 to 604800; query or JSON body) keeps the old webhook key or signing secret working until then; the other kinds are replaced at once.")
            .AcceptsOptionalJson<KeyRotateRequest>("{\"gracePeriodSeconds\": 3600}").Produces<KeyRotatedFromInventory>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).WithIdempotency();

        keys.MapPost("/{keyId:guid}:endGrace", (HttpContext http, Guid keyId, KeyInventoryService service) =>
                ApiResults.Ok(service.EndGraceAsync(http.Actor(), keyId.ToString(), http.RequestAborted)))
            .WithName("keys.endGrace")
            .WithSummary("Ends a replaced key's grace period now: it is refused from the next request on.")
            .Produces<KeyInventoryItem>().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).AcceptsEmptyJsonBody()
            // :rotate and :endGrace share one routing node ({keyId}:…); ASP.NET's content-type matcher then drops a
            // bodiless POST to the route that declares an optional JSON body unless its sibling declares one too.
            .Accepts<JsonElement>(isOptional: true, "application/json");

        var policy = tenant.MapGroup("/key-policy").WithTags("Keys");
        policy.MapGet("", async (HttpContext http, KeyPolicyService service) => TypedResults.Ok(await service.GetAsync(http.Actor().TenantId, http.RequestAborted)))
            .WithName("keyPolicy.get").WithSummary("The tenant's key age policy per kind: maxAgeDays, warnDays, enforce, onLeak.");
        policy.MapPut("", (HttpContext http, JsonElement body, KeyPolicyService service) =>
                ApiResults.Ok(service.UpdateAsync(http.Actor(), body, http.RequestAborted)))
            .WithName("keyPolicy.update")
            .WithSummary("Changes the policy of the kinds named in the body; kinds and fields left out keep their value, \"maxAgeDays\": null removes the limit.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
    }
}
