using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Common;
using Portal.Core.Webhooks;

using Portal.Hosting;
using Portal.Features.IntegrationKeys;

namespace Portal.Features.Webhooks;

/// <summary>Seed 000's webhook URLs: generate, rotate, per-binding endpoints, the key list and the inbox of a config.</summary>
public static class WebhooksEndpoints
{
    public static void MapWebhooksEndpoints(this RouteGroupBuilder tenant)
    {
        // Route groups join with '/', so the custom-method suffixes (":generateWebhookUrl") are spelled out on each route.
        var config = tenant.MapGroup("/integrations/{integration}/configs").WithTags("Webhooks");

        config.MapPost("/{config:guid}:generateWebhookUrl", (HttpContext http, string integration, Guid config, WebhookService service) =>
                ApiResults.Ok(service.GenerateUrlAsync(http.Actor(), integration, config, http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("configs.webhook.generateUrl").AllowIntegrationKey().WithSummary("Mints the first inbound webhook key of this configuration")
            .WithDescription("Returns {webhookUrl, webhookKeyPrefix}; the URL is shown exactly once. 409 when a key is bound already (rotate it instead).")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).AcceptsEmptyJsonBody().WithIdempotency();

        config.MapPost("/{config:guid}/webhook:rotate", (HttpContext http, string integration, Guid config, int? gracePeriodSeconds, WebhookService service) =>
                ApiResults.Ok(service.RotateAsync(http.Actor(), integration, config, Grace(http, gracePeriodSeconds), http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("configs.webhook.rotate").AllowIntegrationKey().WithSummary("Rotates the inbound webhook key for this configuration")
            .WithDescription("Mints a fresh key, binds it to the config, revokes the previous key. Returns the new URL exactly once. " +
                "Traffic on the previous URL stops immediately — re-register the new URL with the provider before traffic resumes " +
                "(optional gracePeriodSeconds, 0 to 604800, keeps it working until its expiresAt). Returns 400 when the integration declares " +
                "per-binding ownership (rotate is per-binding for those), or when no key is currently bound (use :generateWebhookUrl to mint the first one).")
            .AcceptsOptionalJson<WebhookRotateRequest>(GraceExample).Produces<WebhookUrlIssued>()
            .ProducesProblem(400).ProducesProblem(403).WithIdempotency();

        config.MapGet("/{config:guid}/webhook/keys", (HttpContext http, string integration, Guid config, WebhookService service, int? skip, int? take) =>
                ApiResults.Ok(service.ListKeysAsync(http.Actor(), integration, config, Paging.From(skip, take), http.RequestAborted)))
            .WithName("configs.webhook.keys.list").AllowIntegrationKey().WithSummary("Lists the config's webhook keys by prefix, newest first, paged (skip, take ≤ 500): created, last used, expires, revoked.");

        config.MapGet("/{config:guid}/webhook/events", async Task<Results<Ok<Page<WebhookEventView>>, ProblemHttpResult>> (HttpContext http, string integration, Guid config, string? from, string? to, string? contentType, int? skip, int? take, WebhookService service) =>
            {
                var parsed = WebhookEventQuery.Parse(from, to, contentType, skip, take);
                return parsed.IsSuccess
                    ? await ApiResults.Ok(service.ListEventsAsync(http.Actor(), integration, config, parsed.Value.Query, parsed.Value.Paging, http.RequestAborted))
                    : ApiResults.Problem(parsed.Error!);
            })
            .WithName("configs.webhook.events.list").AllowIntegrationKey().WithSummary("Lists the received webhook events (inbox), newest first.")
            .WithDescription("Each event carries its contentType and body: the received text when bodyEncoding is \"utf8\" (textual content type, valid UTF-8), " +
                "else the bytes in base64 (bodyEncoding \"base64\"); bodyBytes is the size as received. …/webhook/events/{id}/body returns the raw bytes. " +
                "Filters: from (inclusive) and to (exclusive) on the received time, as ISO 8601 date-times or epoch milliseconds; contentType, the media type " +
                "without parameters (application/json matches \"application/json; charset=utf-8\"). A value that does not parse is a 400 naming it.")
            .ProducesProblem(400);

        config.MapGet("/{config:guid}/webhook/events/{id:long}", (HttpContext http, string integration, Guid config, long id, WebhookService service) =>
                ApiResults.Ok(service.GetEventAsync(http.Actor(), integration, config, id, http.RequestAborted)))
            .WithName("configs.webhook.events.get").WithSummary("One received webhook event in full: headers as kept, signature verdict, body.")
            .WithDescription("headers: the request headers as stored (at most 64, values cut at 1 KiB; Authorization, Proxy-Authorization and Cookie redacted; " +
                "null for events received before headers were kept). signature.status: VERIFIED (with signingSecretName), NOT_CHECKED (no signing secret attached " +
                "to the config when it arrived) or NOT_RECORDED (received before the portal recorded it); a delivery whose signature fails is refused with 401 and never stored. " +
                "Viewers may read.");

        config.MapGet("/{config:guid}/webhook/events/{id:long}/body", async (HttpContext http, string integration, Guid config, long id, WebhookService service) =>
                await WebhookEventDownload.ResultAsync(http, service.GetEventBodyAsync(http.Actor(), integration, config, id, http.RequestAborted)))
            .WithName("configs.webhook.events.body").WithSummary("Downloads a received event's body: the exact bytes, with the content type they came with.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");

        config.MapPost("/{config:guid}/bindings", (HttpContext http, string integration, Guid config, WebhookBindingInput body, WebhookService service) =>
                ApiResults.Created(service.CreateBindingAsync(http.Actor(), integration, config, body, http.RequestAborted), b => $"{http.Request.Path}/{b.Id}"))
            .WithName("configs.bindings.create").AllowIntegrationKey().WithSummary("Creates a per-binding webhook endpoint (integrations with webhookOwnership PER_BINDING).")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);

        config.MapGet("/{config:guid}/bindings", (HttpContext http, string integration, Guid config, WebhookService service, int? skip, int? take) =>
                ApiResults.Ok(service.ListBindingsAsync(http.Actor(), integration, config, Paging.From(skip, take), http.RequestAborted)))
            .WithName("configs.bindings.list").AllowIntegrationKey().WithSummary("Lists the bindings of a config with their key prefixes, oldest first, paged (skip, take ≤ 500).");

        config.MapDelete("/{config:guid}/bindings/{binding:guid}", (HttpContext http, string integration, Guid config, Guid binding, WebhookService service) =>
                ApiResults.NoContent(service.DeleteBindingAsync(http.Actor(), integration, config, binding, http.RequestAborted)))
            .WithName("configs.bindings.delete").WithSummary("Deletes a binding; its webhook URL stops working at once.")
            .ProducesProblem(400).ProducesProblem(403);

        config.MapPost("/{config:guid}/bindings/{binding:guid}:generateWebhookUrl", (HttpContext http, string integration, Guid config, Guid binding, WebhookService service) =>
                ApiResults.Ok(service.GenerateBindingUrlAsync(http.Actor(), integration, config, binding, http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("configs.bindings.webhook.generateUrl").AllowIntegrationKey().WithSummary("Mints the first webhook key of a binding; the URL is shown exactly once.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).AcceptsEmptyJsonBody().WithIdempotency();

        config.MapPost("/{config:guid}/bindings/{binding:guid}/webhook:rotate", (HttpContext http, string integration, Guid config, Guid binding, int? gracePeriodSeconds, WebhookService service) =>
                ApiResults.Ok(service.RotateBindingUrlAsync(http.Actor(), integration, config, binding, Grace(http, gracePeriodSeconds), http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("configs.bindings.webhook.rotate").AllowIntegrationKey().WithSummary("Rotates a binding's webhook key; the previous URL stops working now unless gracePeriodSeconds is given.")
            .AcceptsOptionalJson<WebhookRotateRequest>(GraceExample).Produces<WebhookUrlIssued>()
            .ProducesProblem(400).ProducesProblem(403).WithIdempotency();
    }

    /// <summary>The request's own origin; <c>Portal:PublicBaseUrl</c> overrides it inside the service.</summary>

    private const string GraceExample = "{\"gracePeriodSeconds\": 3600}";

    /// <summary><c>gracePeriodSeconds</c> from the query or from the optional JSON body (default 0: the previous key stops now).</summary>
    private static int Grace(HttpContext http, int? fromQuery) => fromQuery ?? http.OptionalBody<WebhookRotateRequest>()?.GracePeriodSeconds ?? 0;
}
