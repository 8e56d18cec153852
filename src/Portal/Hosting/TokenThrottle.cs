using Portal.Core.ApiClients;
using Portal.Core.Audit;
using Portal.Core.Tenancy;

namespace Portal.Hosting;

/// <summary>
/// Guessing at <c>POST /connect/token</c>: failed requests are counted per client id and per network address; once
/// either budget is spent, requests are refused with 429 and <c>Retry-After</c> before any secret is checked.
/// Failures of a known client and the moment a budget runs out are audited in the client's tenant.
/// </summary>
public static class TokenThrottle
{
    public const string TokenPath = "/connect/token";

    /// <summary>Runs before authentication: OpenIddict checks the client secret inside the authentication middleware.</summary>
    public static IApplicationBuilder UseTokenThrottle(this IApplicationBuilder app) =>
        app.UseWhen(http => HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(TokenPath, StringComparison.OrdinalIgnoreCase),
            token => token.Use(InvokeAsync));

    private static async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var throttle = http.RequestServices.GetRequiredService<FailureThrottle>();
        var clientId = await ClientIdAsync(http.Request);
        var ip = http.Connection.RemoteIpAddress?.ToString();
        string[] keys = [FailureThrottle.Key(FailureThrottle.TokenClient, clientId), FailureThrottle.Key(FailureThrottle.TokenAddress, ip)];
        if (await throttle.RetryAfterAsync(keys, http.RequestAborted) is { } after)
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = FailureThrottle.Seconds(after);
            http.Response.Headers.CacheControl = "no-store";
            await http.Response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                ["error"] = "temporarily_unavailable",
                ["error_description"] = $"Too many failed token requests for this client or from this address; retry after {FailureThrottle.Seconds(after)} seconds.",
            }, http.RequestAborted);
            return;
        }

        await next(http);
        if (http.Response.StatusCode is < 400 or >= 500)
        {
            return;
        }

        var exhausted = await throttle.RecordFailureAsync(keys, CancellationToken.None);
        if (exhausted)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TokenThrottle))
                .LogWarning("Token requests for client {ClientId} or from {Address} are throttled after repeated failures", clientId, ip);
        }

        if (clientId is not null && await http.RequestServices.GetRequiredService<ApiClientService>().FindAsync(clientId, CancellationToken.None) is { } client)
        {
            var actor = new Actor(client.ClientId, ActorKind.ApiClient, client.TenantId, client.Role, ip);
            var audit = http.RequestServices.GetRequiredService<AuditService>();
            await audit.RecordAsync(actor, "apiClient.token", $"api-clients/{client.ClientId}", AuditOutcomes.Failed, ct: CancellationToken.None);
            if (exhausted)
            {
                await audit.RecordAsync(actor, "apiClient.tokenThrottled", $"api-clients/{client.ClientId}", AuditOutcomes.Denied, ct: CancellationToken.None);
            }
        }
    }

    /// <summary>The client id from the form (client_secret_post) or the Basic header (client_secret_basic); never the secret.</summary>
    private static async Task<string?> ClientIdAsync(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':');
                return colon > 0 ? Uri.UnescapeDataString(decoded[..colon]) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        if (!request.HasFormContentType)
        {
            return null;
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var clientId = form["client_id"].ToString();
        return string.IsNullOrEmpty(clientId) ? null : clientId;
    }
}
