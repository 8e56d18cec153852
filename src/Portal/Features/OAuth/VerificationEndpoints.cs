using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Core.Common;
using Microsoft.Extensions.Options;
using Portal.Core.OAuth;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.OAuth;

/// <summary>Seed 000 <c>:verifyAuth</c>, seed 001 <c>:verifyConfig</c>, and the browser side of the OAuth flow.</summary>
public static class VerificationEndpoints
{
    /// <summary>A random per-browser value; a flow started by a signed-in browser completes only in that browser.</summary>
    public const string BindingCookie = "portal.oauth";

    public static void MapVerificationEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/integrations").WithTags("Verification");

        group.MapPost("/{integration}/configs/{config:guid}:verifyAuth", (HttpContext http, string integration, Guid config, int? authMapIndex, VerificationService service) =>
                ApiResults.Ok(service.VerifyAuthAsync(http.Actor(), integration, config, authMapIndex, StartContext(http), http.RequestAborted)))
            .WithName("configs.verifyAuth").WithSummary("Verifies the auth credentials stored in the configuration.")
            .WithDescription("Non-OAuth types test-connect to the auth method's testUrl with the stored credential. OAUTH2 returns an authorizationUrl to send the user to. With an authMap every entry is verified into authMapResults; authMapIndex verifies one. 400 when the config has neither auth nor authMap.")
            .ProducesProblem(400).ProducesProblem(403);

        group.MapPost("/{integration}:verifyConfig", async (HttpContext http, string integration, VerificationService service) =>
                await ReadOptionalBodyAsync(http) is var (body, error) && error is not null
                    ? ApiResults.Problem(error)
                    : await ApiResults.Ok(service.VerifyConfigAsync(http.Actor(), integration, body, http.RequestAborted)))
            .WithName("integrations.verifyConfig").WithSummary("Confirms the integration's stored credentials still authenticate, without retrieving them.")
            .WithDescription("With an empty body (none, zero bytes, or {}), every auth method with configTestSupported (not OAUTH2) is test-connected " +
                "with the integration's stored auth settings and credentials; authMethodResults has one entry per method. " +
                "{\"auth\":{\"authMetadataId\":…}} tests only that method (400 unless it has configTestSupported); values in auth.parameters " +
                "override the stored ones for this one test and are not saved. Same result shape as :verifyAuth.")
            .Accepts<VerifyConfigInput>(isOptional: true, "application/json").Produces<VerificationResult>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
    }

    private const int MaxBodyChars = 64 * 1024;

    /// <summary>The optional <c>:verifyConfig</c> body: no body, zero bytes or whitespace (whatever the Content-Type) and <c>null</c> read as none.</summary>
    private static async Task<(VerifyConfigInput? Body, Error? Error)> ReadOptionalBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var buffer = new char[MaxBodyChars + 1];
        var read = await reader.ReadBlockAsync(buffer, http.RequestAborted);
        if (read > MaxBodyChars)
        {
            return (null, Error.BadRequest($"The body is larger than {MaxBodyChars / 1024} KiB."));
        }

        var text = new string(buffer, 0, read);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        if (!http.Request.HasJsonContentType())
        {
            return (null, Error.BadRequest("The body must be JSON (Content-Type: application/json), or empty to test the stored credentials."));
        }

        try
        {
            var options = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            return (JsonSerializer.Deserialize<VerifyConfigInput>(text, options), null);
        }
        catch (JsonException)
        {
            return (null, Error.BadRequest("The body must be JSON like {\"auth\":{\"authMetadataId\":\"key\",\"parameters\":{\"apiKey\":\"…\"}}}, or empty to test the stored credentials."));
        }
    }

    public static void MapOAuthCallback(this IEndpointRouteBuilder app)
    {
        app.MapGet(OAuthService.CallbackPath, async (HttpContext http, string? state, string? code, string? error, string? error_description, OAuthService oauth) =>
            {
                var outcome = await oauth.CompleteAsync(state, code, error, error_description, http.Request.Cookies[BindingCookie], http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
                return outcome.RedirectTo is { } to ? Results.Redirect(to) : ErrorPage(outcome.ErrorPage!);
            })
            .AllowAnonymous().ExcludeFromDescription();

        // The config page's Verify for OAuth: a full browser navigation, so the binding cookie can be set before going to the provider.
        app.MapGet("/oauth/start", async (HttpContext http, string tenant, string integration, Guid config, int? authMapIndex, TenantAccess access, VerificationService service) =>
            {
                var back = $"/t/{Uri.EscapeDataString(tenant)}/integrations/{Uri.EscapeDataString(integration)}/configs/{config}";
                var actor = await access.ResolveAsync(http.User, tenant, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
                if (actor is null)
                {
                    return ErrorPage("You are not a member of this tenant.");
                }

                var result = await service.VerifyAuthAsync(actor, integration, config, authMapIndex, StartContext(http, forceBrowser: true), http.RequestAborted);
                var url = result.Value?.AuthorizationUrl;
                var message = result.Error?.Detail ?? result.Value?.Error ?? "This auth method does not authorize through a provider.";
                return url is not null ? Results.Redirect(url) : Results.Redirect($"{back}?verified=error&message={Uri.EscapeDataString(message)}");
            })
            .RequireAuthorization().ExcludeFromDescription();
    }

    /// <summary>The base URL for redirect_uri, and a browser binding when a signed-in browser (cookie, no bearer token) starts the flow.</summary>
    private static OAuthStartContext StartContext(HttpContext http, bool forceBrowser = false)
    {
        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
        var bearer = http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (!forceBrowser && (bearer || http.Actor().Kind != ActorKind.User))
        {
            return new OAuthStartContext(baseUrl, null);
        }

        var binding = http.Request.Cookies[BindingCookie];
        if (binding is not { Length: >= 32 and <= 100 })
        {
            binding = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        http.Response.Cookies.Append(BindingCookie, binding, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax, // sent on the provider's top-level redirect back
            Secure = http.Request.IsHttps,
            Path = "/oauth",
            MaxAge = OAuthService.StateLifetime,
        });
        return new OAuthStartContext(baseUrl, binding);
    }

    private static IResult ErrorPage(string message) => Results.Content(
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization failed · Portal</title></head>" +
        $"<body style=\"font-family:sans-serif;max-width:40rem;margin:4rem auto\"><h1>Authorization failed</h1><p role=\"alert\">{WebUtility.HtmlEncode(message)}</p><p><a href=\"/\">Back to the portal</a></p></body></html>",
        "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
}
