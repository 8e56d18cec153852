using Portal.Core.Webhooks;
using Portal.Hosting;

namespace Portal.Features.Webhooks;

/// <summary><c>POST /webhooks/{tenant}/{integration}/{key}</c>: the URL handed out by <c>:generateWebhookUrl</c>. Anonymous; the key is the credential.</summary>
public static class InboundWebhooksEndpoints
{
    public static void MapInboundWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/{tenant}/{integration}/{key}", async (HttpContext http, string tenant, string integration, string key, WebhookReceiver receiver) =>
            {
                var headers = http.Request.Headers;
                var receipt = await receiver.ReceiveAsync(new InboundWebhook(
                    tenant, integration, key, http.Request.Body, http.Request.ContentLength, http.Request.ContentType,
                    headers["webhook-id"].FirstOrDefault(), headers["webhook-timestamp"].FirstOrDefault(), headers["webhook-signature"].FirstOrDefault(),
                    http.Connection.RemoteIpAddress?.ToString(), headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))), http.RequestAborted);

                if (receipt is WebhookReceipt.Accepted or WebhookReceipt.Duplicate)
                {
                    return Results.Accepted();
                }

                // The instance names the endpoint without its key: a ProblemDetails is often logged by the sender.
                var instance = SecretPaths.Redact(http.Request.Path.Value ?? "");
                return receipt switch
                {
                    WebhookReceipt.TooLarge => Results.Problem(statusCode: 413, title: "Payload too large", instance: instance,
                        detail: $"A webhook body may be at most {WebhookReceiver.MaxBodyBytes / 1024 / 1024} MiB."),
                    WebhookReceipt.Busy => Busy(http, instance),
                    WebhookReceipt.Unauthorized => Results.Problem(statusCode: 401, title: "Unauthorized", instance: instance,
                        detail: "The Standard Webhooks signature (webhook-id, webhook-timestamp within 5 minutes, webhook-signature) is missing or does not match the configured signing secret."),
                    _ => Results.Problem(statusCode: 404, title: "Not found", instance: instance,
                        detail: "No webhook endpoint is registered at this URL. If the URL was rotated, register the new one with the provider."),
                };
            })
            .AllowAnonymous()
            .WithTags("Webhooks").WithName("webhooks.receive").WithSummary("Receives an inbound webhook; stored before the 202.")
            .WithDescription("Accepts any content type, or none: JSON, application/x-www-form-urlencoded (Twilio, Slack), XML, text and binary. " +
                "The body (at most 1 MiB) is stored byte for byte with its content type; the inbox lists it as text or base64 (bodyEncoding). " +
                "When the config names a signing secret, a Standard Webhooks signature over the raw body bytes is required (401 otherwise).")
            // "*/*": the routing's content-type check lets every type through, and the document says so.
            .Accepts<Stream>(isOptional: true, "*/*")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(401).ProducesProblem(404).ProducesProblem(413).ProducesProblem(503)
            // Answered right after routing, as the health probes are: a provider's delivery carries no cookie, bearer token
            // or antiforgery token, so the authentication handlers (cookie, token server, token validation), authorization,
            // the idempotency and antiforgery steps have nothing to do, and cost most of a delivery's CPU when they run.
            .ShortCircuit();
    }

    /// <summary>The ingest queue is full: nothing was stored, and the sender is told when to retry.</summary>
    private static IResult Busy(HttpContext http, string instance)
    {
        http.Response.Headers.RetryAfter = "1";
        return Results.Problem(statusCode: 503, title: "Service unavailable", instance: instance,
            detail: "The portal is receiving more webhooks than it can store right now; nothing was stored. Retry after the Retry-After delay.");
    }
}
