using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Common;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Hosting;

/// <summary>
/// <c>Idempotency-Key</c> on mint/rotate endpoints: a retry within 24 h with the same key and body gets the original
/// response (so a lost response never strands a caller with a revoked key); the same key with another body is a 422.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";

    /// <param name="fail">How the endpoint spells an error (ProblemDetails unless given, e.g. XRPC's own shape).</param>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder, Func<Error, IResult>? fail = null) =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            var http = ctx.HttpContext;
            var key = http.Request.Headers[Header].ToString();
            if (string.IsNullOrEmpty(key))
            {
                return await next(ctx);
            }

            if (key.Length > IdempotencyStore.MaxKeyLength)
            {
                var tooLong = Error.BadRequest($"{Header} must be at most {IdempotencyStore.MaxKeyLength} characters.");
                return fail is null ? ApiResults.Problem(tooLong) : fail(tooLong);
            }

            var store = http.RequestServices.GetRequiredService<IdempotencyStore>();
            var tenant = (http.Items[typeof(Actor)] as Actor)?.TenantId ?? http.User.FindFirst(PortalClaims.Tenant)?.Value ?? "-";
            // Scoped to the caller too: a stored response can hold a secret, and only its requester may replay it.
            var caller = (http.Items[typeof(Actor)] as Actor)?.AuditName ?? http.User.FindFirst(PortalClaims.Subject)?.Value ?? http.User.Identity?.Name ?? "-";
            var scope = $"{caller} {http.Request.Method} {http.Request.Path}";
            var requestHash = IdempotencyStore.HashRequest(await ReadBodyAsync(http));
            var found = await store.FindAsync(tenant, scope, key, requestHash, http.RequestAborted);
            if (!found.IsSuccess)
            {
                return fail is null ? ApiResults.Problem(found.Error!) : fail(found.Error!);
            }

            if (found.Value is { } stored)
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return Results.Text(stored.Json, "application/json", statusCode: stored.StatusCode);
            }

            var result = await next(ctx);
            var inner = result is INestedHttpResult nested ? nested.Result : result;
            if (inner is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } success and IValueHttpResult { Value: { } value })
            {
                var json = JsonSerializer.Serialize(value, value.GetType(), http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions);
                await store.SaveAsync(tenant, scope, key, requestHash, success.StatusCode ?? 200, json, http.RequestAborted);
            }

            return result;
        });

    /// <summary>Lets the filter read the body again after binding; only for requests that carry the header.</summary>
    public static IApplicationBuilder UseIdempotencyBuffering(this IApplicationBuilder app) =>
        app.Use((ctx, next) =>
        {
            if (ctx.Request.Headers.ContainsKey(Header))
            {
                ctx.Request.EnableBuffering();
            }

            return next(ctx);
        });

    private static async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        if (!http.Request.Body.CanSeek)
        {
            return [];
        }

        http.Request.Body.Position = 0;
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        http.Request.Body.Position = 0;
        return buffer.ToArray();
    }
}
