using System.Text.Json;
using Portal.Core.Common;
using Portal.Core.Notifications;
using Portal.Hosting;

namespace Portal.Features.Notifications;

/// <summary>DESIGN.md "Notifications": the tenant's notification endpoints, their attempts log, test events and resends.</summary>
public static class NotificationsEndpoints
{
    public static void MapNotificationsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/notification-endpoints").WithTags("Notifications");

        group.MapPost("", (HttpContext http, NotificationEndpointInput body, NotificationEndpointService service) =>
                ApiResults.Created(service.CreateAsync(http.Actor(), body, http.RequestAborted), v => $"{http.Request.Path}/{v.Id}"))
            .WithName("notificationEndpoints.create")
            .WithSummary("Adds an endpoint for the portal's signed operational webhooks; its whsec_ signing secret is returned only here.")
            .WithDescription("url: an absolute http(s) address (public unless Portal:Outbound:AllowPrivateNetworks). eventTypes: any of key.rotated, key.revoked, key.leaked, key.rotation_due, key.expired, key.used_after_revoke, oauth.needs_reauth, oauth.connected, notification_endpoint.disabled; empty or left out = all.")
            .Produces<NotificationEndpointView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).WithIdempotency();

        group.MapGet("", async (HttpContext http, NotificationEndpointService service, int? skip, int? take) =>
                TypedResults.Ok(await service.ListAsync(http.Actor(), Paging.From(skip, take), http.RequestAborted)))
            .WithName("notificationEndpoints.list").WithSummary("The tenant's notification endpoints, oldest first, each with its last attempt (never a secret).");

        group.MapGet("/{endpointId}", (HttpContext http, string endpointId, NotificationEndpointService service) =>
                ApiResults.Ok(service.GetAsync(http.Actor(), endpointId, http.RequestAborted)))
            .WithName("notificationEndpoints.get").WithSummary("One notification endpoint.").Produces<NotificationEndpointView>().ProducesProblem(404);

        group.MapPatch("/{endpointId}", (HttpContext http, string endpointId, NotificationEndpointInput body, NotificationEndpointService service) =>
                ApiResults.Ok(service.UpdateAsync(http.Actor(), endpointId, body, http.RequestAborted)))
            .WithName("notificationEndpoints.update")
            .WithSummary("Changes the url, event types or enabled flag (what the body names). Enabling a disabled endpoint clears its failure streak.")
            .Produces<NotificationEndpointView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);

        group.MapDelete("/{endpointId}", (HttpContext http, string endpointId, NotificationEndpointService service) =>
                ApiResults.NoContent(service.DeleteAsync(http.Actor(), endpointId, http.RequestAborted)))
            .WithName("notificationEndpoints.delete").WithSummary("Deletes the endpoint with its attempts; its secret is revoked.")
            .ProducesProblem(403).ProducesProblem(404);

        group.MapPost("/{endpointId}:rotateSecret", (HttpContext http, string endpointId, NotificationEndpointService service, int? gracePeriodSeconds) =>
                ApiResults.Ok(service.RotateSecretAsync(http.Actor(), endpointId, gracePeriodSeconds ?? http.OptionalBody<NotificationSecretRotateRequest>()?.GracePeriodSeconds ?? 0, http.RequestAborted)))
            .WithName("notificationEndpoints.rotateSecret")
            .WithSummary("A new whsec_ signing secret, returned only here. With gracePeriodSeconds (0 to 604800) deliveries carry a signature by the old secret too until then.")
            .AcceptsOptionalJson<NotificationSecretRotateRequest>("{\"gracePeriodSeconds\": 86400}").Produces<NotificationEndpointView>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).WithIdempotency();

        group.MapPost("/{endpointId}:test", (HttpContext http, string endpointId, NotificationEndpointService service) =>
                ApiResults.Accepted(service.SendTestAsync(http.Actor(), endpointId, http.RequestAborted)))
            .WithName("notificationEndpoints.test").WithSummary("Sends a notification.test event to this endpoint (whatever its event types); see its attempts for the answer.")
            .Produces<NotificationQueued>(StatusCodes.Status202Accepted).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).AcceptsEmptyJsonBody()
            // :rotateSecret and :test share one routing node ({endpointId}:…): see KeysEndpoints' :endGrace.
            .Accepts<JsonElement>(isOptional: true, "application/json");

        group.MapGet("/{endpointId}/attempts", (HttpContext http, string endpointId, NotificationEndpointService service, string? outcome, string? eventType, int? skip, int? take) =>
                ApiResults.Ok(service.AttemptsAsync(http.Actor(), endpointId, new NotificationAttemptQuery(outcome, eventType), Paging.From(skip, take), http.RequestAborted)))
            .WithName("notificationEndpoints.attempts")
            .WithSummary("The endpoint's delivery attempts, newest first: status, duration, the first KiB of the answer, and when it is tried again.")
            .WithDescription("outcome: succeeded, failed (given up) or pending (failed, tried again at nextAttemptAt). eventType: one event type.")
            .Produces<Page<NotificationAttemptView>>().ProducesProblem(400).ProducesProblem(404);

        group.MapPost("/attempts/{attemptId}:resend", (HttpContext http, string attemptId, NotificationEndpointService service) =>
                ApiResults.Accepted(service.ResendAsync(http.Actor(), attemptId, http.RequestAborted)))
            .WithName("notificationEndpoints.resend").WithSummary("Sends the attempt's event to its endpoint again now (same webhook-id), with a fresh retry schedule.")
            .Produces<NotificationQueued>(StatusCodes.Status202Accepted).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).AcceptsEmptyJsonBody();
    }
}
