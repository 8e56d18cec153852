using Microsoft.AspNetCore.Mvc;

namespace Portal.Hosting;

/// <summary>
/// Every ProblemDetails carries a <c>type</c> URI (RFC 9457) and, where the framework leaves it empty, a <c>detail</c>
/// that tells the caller what to do. A 401 also says how to authenticate (<c>WWW-Authenticate</c>, RFC 6750).
/// </summary>
public static class ProblemTypes
{
    private static readonly Dictionary<int, string> Types = new()
    {
        [400] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        [401] = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        [403] = "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        [404] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        [405] = "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        [406] = "https://tools.ietf.org/html/rfc9110#section-15.5.7",
        [408] = "https://tools.ietf.org/html/rfc9110#section-15.5.9",
        [409] = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        [411] = "https://tools.ietf.org/html/rfc9110#section-15.5.12",
        [412] = "https://tools.ietf.org/html/rfc9110#section-15.5.13",
        [413] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        [414] = "https://tools.ietf.org/html/rfc9110#section-15.5.15",
        [415] = "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        [422] = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        [429] = "https://tools.ietf.org/html/rfc6585#section-4",
        [431] = "https://tools.ietf.org/html/rfc6585#section-5",
        [500] = "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        [502] = "https://tools.ietf.org/html/rfc9110#section-15.6.3",
        [503] = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        [504] = "https://tools.ietf.org/html/rfc9110#section-15.6.5",
    };

    public static string For(int status) =>
        Types.TryGetValue(status, out var type) ? type : status >= 500 ? Types[500] : Types[400];

    public static void Complete(ProblemDetails problem, HttpContext http)
    {
        var status = problem.Status ?? http.Response.StatusCode;
        if (string.IsNullOrEmpty(problem.Type) || problem.Type == "about:blank")
        {
            problem.Type = For(status);
        }

        if (string.IsNullOrEmpty(problem.Detail))
        {
            problem.Detail = status switch
            {
                400 => BindingFailures.Describe(http)
                    ?? "The request could not be read: check that the body is JSON of the documented shape and the parameters have the documented types.",
                401 when http.Response.Headers.WWWAuthenticate.ToString().Contains("invalid_token", StringComparison.Ordinal) =>
                    "The bearer token was refused: it is malformed, expired or revoked. Get a new one at POST /connect/token.",
                401 => "Authentication is required: send Authorization: Bearer <token> (client credentials at POST /connect/token), or sign in.",
                403 => "Your role does not allow this operation.",
                404 => "Nothing exists at this address, or it belongs to a tenant you are not a member of.",
                405 => $"The method {http.Request.Method} is not allowed on this route.",
                413 => "The request body is larger than this route accepts.",
                415 => "The request's Content-Type is not accepted on this route; send application/json.",
                _ => null,
            };
        }

        if (status == StatusCodes.Status401Unauthorized && !http.Response.HasStarted && string.IsNullOrEmpty(http.Response.Headers.WWWAuthenticate))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }
    }
}
