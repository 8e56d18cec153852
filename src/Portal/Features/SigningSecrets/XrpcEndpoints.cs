using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.SigningSecrets;

/// <summary>
/// Seed 003's own API: <c>POST /xrpc/place.wisp.v2.secret.rotate</c>, exactly its input, output and error names.
/// XRPC errors are <c>{error, message}</c>, not ProblemDetails; the tenant comes from the bearer token.
/// </summary>
public static class XrpcEndpoints
{
    public const string SecretRotate = "place.wisp.v2.secret.rotate";

    public static void MapXrpcEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost($"/xrpc/{SecretRotate}", RotateAsync)
            .AllowAnonymous() // authentication is checked in the handler so its failure is an XRPC error, not a bare 401
            .WithName(SecretRotate).WithTags("XRPC")
            .WithSummary("Rotate a webhook signing secret, generating a new token.")
            .WithDescription("Rotate a webhook signing secret, generating a new token. The old token stops working immediately. The new token is only returned in this response.")
            .Accepts<XrpcSecretRotateInput>("application/json")
            .Produces<XrpcSecretRotateOutput>(StatusCodes.Status200OK)
            .Produces<XrpcError>(StatusCodes.Status400BadRequest)
            .Produces<XrpcError>(StatusCodes.Status401Unauthorized)
            .Produces<XrpcError>(StatusCodes.Status403Forbidden)
            .AddEndpointFilter(RequireTenantTokenAsync)
            .WithIdempotency(XrpcResults.FromError);
    }

    /// <summary>Resolves the tenant of the bearer token before anything else (the idempotency replay included) runs.</summary>
    private static async ValueTask<object?> RequireTenantTokenAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        var tenant = http.User.FindFirst(PortalClaims.Tenant)?.Value;
        var access = http.RequestServices.GetRequiredService<TenantAccess>();
        var actor = tenant is null ? null : await access.ResolveAsync(http.User, tenant, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        if (actor is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return XrpcResults.Error(StatusCodes.Status401Unauthorized, "AuthenticationRequired",
                "A valid bearer token of an API client is required (get one at POST /connect/token); it names the tenant.");
        }

        http.Items[typeof(Actor)] = actor;
        return await next(ctx);
    }

    private static async Task<IResult> RotateAsync(HttpContext http, SigningSecretService service)
    {
        var actor = http.Actor();
        var name = await ReadNameAsync(http);
        if (!name.IsSuccess)
        {
            return XrpcResults.FromError(name.Error!);
        }

        var rotated = await service.RotateAsync(actor, name.Value!, ct: http.RequestAborted);
        if (!rotated.IsSuccess)
        {
            return XrpcResults.FromError(rotated.Error!);
        }

        return TypedResults.Ok(new XrpcSecretRotateOutput
        {
            Name = rotated.Value!.Name,
            Token = rotated.Value.Token,
            RotatedAt = Rfc3339.Format(rotated.Value.RotatedAt),
        });
    }

    /// <summary>Reads <c>{name}</c> by hand, so malformed JSON is an XRPC InvalidRequest rather than the framework's 400.</summary>
    private static async Task<Result<string>> ReadNameAsync(HttpContext http)
    {
        if (!http.Request.HasJsonContentType())
        {
            return Error.BadRequest("The input must be application/json.");
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, documentOptions: PortalJson.DocumentOptions, cancellationToken: http.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Error.BadRequest($"The input is not valid JSON: {ex.Message}");
        }

        if (body is not JsonObject input || input["name"] is not JsonValue value || !value.TryGetValue<string>(out var name))
        {
            return Error.BadRequest("Input must have the property \"name\" (a string).");
        }

        return ConfigRules.IsRecordKey(name) ? name : Error.BadRequest($"Input/name {ConfigRules.RecordKeyRule}");
    }
}

/// <summary>Seed 003's input.</summary>
public sealed record XrpcSecretRotateInput
{
    /// <summary>A valid record key for AT Protocol repositories.</summary>
    public required string Name { get; init; }
}

/// <summary>Seed 003's output.</summary>
public sealed record XrpcSecretRotateOutput
{
    public required string Name { get; init; }

    /// <summary>The new signing token. Only returned here — store it now.</summary>
    public required string Token { get; init; }

    /// <summary>An RFC 3339 formatted timestamp.</summary>
    public required string RotatedAt { get; init; }

    public override string ToString() => $"XrpcSecretRotateOutput {{ Name = {Name}, Token = (redacted), RotatedAt = {RotatedAt} }}";
}

/// <summary>XRPC's error body.</summary>
public sealed record XrpcError(string Error, string Message);

/// <summary>Maps Core's expected failures to XRPC errors, in one place.</summary>
public static class XrpcResults
{
    public static JsonHttpResult<XrpcError> Error(int status, string error, string message) =>
        TypedResults.Json(new XrpcError(error, message), statusCode: status);

    public static IResult FromError(Error error) => error.Kind switch
    {
        ErrorKind.NotFound => Error(StatusCodes.Status400BadRequest, "NotFound", error.Detail),
        ErrorKind.Forbidden => Error(StatusCodes.Status403Forbidden, "Forbidden", error.Detail),
        ErrorKind.Unprocessable => Error(StatusCodes.Status422UnprocessableEntity, "InvalidRequest", error.Detail),
        _ => Error(StatusCodes.Status400BadRequest, "InvalidRequest", error.Describe()),
    };

    /// <summary>For requests under <c>/xrpc</c> that fail outside a handler (unknown method, wrong verb or encoding, a bug): the XRPC shape too.</summary>
    public static Task WriteStatusAsync(HttpContext http)
    {
        var known = http.Request.Path.Value?.TrimEnd('/') == $"/xrpc/{XrpcEndpoints.SecretRotate}";
        var wrongVerb = known && !HttpMethods.IsPost(http.Request.Method);
        var thrown = http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
        var (status, error, message) = (thrown is null ? null : BadRequestExceptionHandler.Describe(thrown)) is { } bad
            ? (bad.Status, bad.Status switch { StatusCodes.Status413PayloadTooLarge => "PayloadTooLarge", StatusCodes.Status503ServiceUnavailable => "ServiceUnavailable", _ => "InvalidRequest" }, bad.Detail)
            : http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed when wrongVerb => (405, "InvalidRequest", "Incorrect HTTP method: procedures are called with POST."),
            StatusCodes.Status401Unauthorized => (401, "AuthenticationRequired", "A valid bearer token is required."),
            StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed when !known => (501, "MethodNotImplemented", "This XRPC method is not implemented here."),
            StatusCodes.Status415UnsupportedMediaType => (415, "InvalidRequest", "Wrong request encoding: the input must be application/json."),
            >= 500 and var code => (code, "InternalServerError", "An unexpected error occurred."),
            var code => (code, "InvalidRequest", $"The request failed with status {code}."),
        };
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = BadRequestExceptionHandler.StoreUnavailableRetryAfterSeconds;
        }

        return http.Response.WriteAsJsonAsync(new XrpcError(error, message), http.RequestAborted);
    }
}
