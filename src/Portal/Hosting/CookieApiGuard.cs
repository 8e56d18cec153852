using Portal.Features.SigningSecrets;

namespace Portal.Hosting;

/// <summary>
/// The API takes the sign-in cookie only for safe methods. A browser attaches the cookie to a form another site
/// posts, so a cookie must never be enough to change anything through <c>/v1</c>, <c>/api</c> or <c>/xrpc</c>:
/// state-changing requests there need a bearer token. Nothing in the portal's own pages calls the API
/// (the Blazor UI calls Core directly), so nothing legitimate is refused.
/// One exception: the caller's own account (<c>/v1/account/…</c>, e.g. changing one's password, which also asks for the
/// current one) is a person's by nature and has no bearer token, so there a cookie is taken for a same-origin JSON
/// request: a cross-site form cannot send <c>application/json</c>, and a cross-origin script that tries needs a CORS
/// preflight the portal never grants; a browser's <c>Origin</c>/<c>Sec-Fetch-Site</c>, when sent, must say same origin.
/// </summary>
public static class CookieApiGuard
{
    private static readonly string[] GuardedPrefixes = ["/v1", "/api", "/xrpc"];

    public const string Detail =
        "The API accepts the sign-in cookie only for reading (GET, HEAD). A request that changes something must carry " +
        "a bearer token (POST /connect/token) in the Authorization header; this refuses cross-site form posts.";

    /// <summary>Runs after authentication: refuses a cookie-authenticated unsafe API request with a 403.</summary>
    public static IApplicationBuilder UseCookieApiGuard(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (!IsRefused(http))
            {
                await next(http);
                return;
            }

            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CookieApiGuard))
                .LogWarning("Refused a cookie-authenticated {Method} to the API (cross-site request protection)", http.Request.Method);
            var result = ApiPaths.IsXrpc(http.Request.Path)
                ? XrpcResults.Error(StatusCodes.Status403Forbidden, "Forbidden", Detail)
                : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cookie not accepted for this request", detail: Detail);
            await result.ExecuteAsync(http);
        });

    private static bool IsRefused(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true
        && !PortalAuthentication.HasBearerToken(http.Request)
        && !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        && GuardedPrefixes.Any(p => http.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
        && !IsSameOriginAccountRequest(http);

    private static bool IsSameOriginAccountRequest(HttpContext http)
    {
        var request = http.Request;
        if (!request.Path.StartsWithSegments("/v1/account", StringComparison.OrdinalIgnoreCase) || !request.HasJsonContentType())
        {
            return false;
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}
