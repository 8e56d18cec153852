using Microsoft.Net.Http.Headers;
using Portal.Core.Common;
using Portal.Core.Webhooks;
using Portal.Hosting;

namespace Portal.Features.Webhooks;

/// <summary>
/// A received body as a download. The bytes came from whoever holds the webhook URL, so they are served as an
/// attachment, never sniffed and sandboxed: an HTML or SVG body cannot run as a page of the portal.
/// </summary>
public static class WebhookEventDownload
{
    public static async Task<IResult> ResultAsync(HttpContext http, Task<Result<WebhookEventBody>> operation)
    {
        var found = await operation;
        if (!found.IsSuccess)
        {
            return ApiResults.Problem(found.Error!);
        }

        var body = found.Value!;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        var contentType = MediaTypeHeaderValue.TryParse(body.ContentType, out _) ? body.ContentType! : "application/octet-stream";
        return TypedResults.File(body.Body, contentType, $"webhook-event-{body.Id}{Extension(body.ContentType)}");
    }

    private static string Extension(string? contentType) => WebhookBodyText.MediaType(contentType) switch
    {
        "application/json" => ".json",
        "application/xml" or "text/xml" => ".xml",
        "application/x-www-form-urlencoded" => ".txt",
        var t when t.StartsWith("text/", StringComparison.Ordinal) => ".txt",
        _ => ".bin",
    };
}
