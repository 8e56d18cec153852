using Portal.Core.Common;
using Portal.Core.SigningSecrets;
using Portal.Hosting;

namespace Portal.Features.SigningSecrets;

/// <summary>Seed 003 on the portal's REST API: named webhook signing secrets; a token appears only in the create and rotate responses.</summary>
public static class SigningSecretsEndpoints
{
    public static void MapSigningSecretsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/signing-secrets").WithTags("Signing secrets");

        group.MapPost("", (HttpContext http, SigningSecretInput body, SigningSecretService service) =>
                ApiResults.Created(service.CreateAsync(http.Actor(), body, http.RequestAborted), v => $"{http.Request.Path}/{v.Name}"))
            .WithName("signingSecrets.create").WithSummary("Creates a named Standard Webhooks signing secret; the token (whsec_…) is returned only here.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).WithIdempotency();

        group.MapGet("", async (HttpContext http, SigningSecretService service, int? skip, int? take) =>
                TypedResults.Ok(await service.ListAsync(http.Actor(), Paging.From(skip, take), http.RequestAborted)))
            .WithName("signingSecrets.list").WithSummary("Lists signing secrets by name and key prefix (never their tokens).");

        group.MapPost("/{name}:rotate", (HttpContext http, string name, SigningSecretService service, int? gracePeriodSeconds) =>
                ApiResults.Ok(service.RotateAsync(http.Actor(), name, gracePeriodSeconds ?? http.OptionalBody<SigningSecretRotateRequest>()?.GracePeriodSeconds ?? 0, http.RequestAborted)))
            .WithName("signingSecrets.rotate").WithSummary("Rotates a signing secret, generating a new token; the old token stops working immediately.")
            .WithDescription("The new token is only returned in this response. Pass gracePeriodSeconds (0 to 604800; query or JSON body) to let the old token verify until then. Timestamps are Unix epoch milliseconds, as elsewhere in this API; the XRPC route returns RFC 3339.")
            .AcceptsOptionalJson<SigningSecretRotateRequest>("{\"gracePeriodSeconds\": 3600}").Produces<SigningSecretRotated>()
            .ProducesProblem(400).ProducesProblem(403).WithIdempotency();

        group.MapDelete("/{name}", (HttpContext http, string name, SigningSecretService service) =>
                ApiResults.NoContent(service.DeleteAsync(http.Actor(), name, http.RequestAborted)))
            .WithName("signingSecrets.delete").WithSummary("Deletes a signing secret; its tokens stop working at once.")
            .ProducesProblem(403);
    }
}
