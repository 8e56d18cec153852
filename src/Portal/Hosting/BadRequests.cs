using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

using Portal.Core.Data;

namespace Portal.Hosting;

/// <summary>
/// Bad input is never a 5xx. Binding failures (malformed or mistyped JSON, a missing body, a wrong content type, an
/// over-large body) throw <see cref="BadHttpRequestException"/>; this one place turns them into ProblemDetails with
/// the reason in <c>detail</c> (XRPC routes use <see cref="Endpoints.XrpcResults"/> for their own shape).
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var http = httpContext;
        if (ApiPaths.IsXrpc(http.Request.Path) || Describe(exception) is not { } failure)
        {
            return false;
        }

        http.Response.StatusCode = failure.Status;
        if (failure.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = StoreUnavailableRetryAfterSeconds;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = failure.Status, Title = failure.Title, Detail = failure.Detail },
        });
    }

    /// <summary>How long a caller should wait when the database is unreachable (it usually comes back within seconds).</summary>
    public const string StoreUnavailableRetryAfterSeconds = "5";

    /// <summary>Status, title and a useful detail for an exception caused by the request or by an unreachable store; null for a bug.</summary>
    public static (int Status, string Title, string Detail)? Describe(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (413, "Payload too large", $"The request body is larger than {RequestLimits.MaxBodyBytes / 1024 / 1024} MiB."),
        BadHttpRequestException { InnerException: JsonException json } => (400, "Bad request", Json(json)),
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == 415 ? "Unsupported media type" : "Bad request", bad.Message),
        JsonException json => (400, "Bad request", Json(json)),
        _ when StoreFailures.IsUnreachable(exception) =>
            (503, "Service unavailable", "The portal's database cannot be reached right now; nothing was changed. Retry in a few seconds."),
        DbUpdateConcurrencyException => (409, "Conflict", "The resource was changed by another request at the same time; reload it and try again."),
        _ => null,
    };

    /// <summary>The parser's reason, and where: a converter's own message does not carry the path, the exception does.</summary>
    private static string Json(JsonException json)
    {
        var where = json.Path is { Length: > 0 } path && !json.Message.Contains(path, StringComparison.Ordinal) ? $" (at {path})" : "";
        // The reader may quote the rest of the body in its message: keep the detail short.
        var message = json.Message.Length > 300 ? json.Message[..300] + "…" : json.Message;
        return $"The request body is not valid JSON for this operation: {message}{where}";
    }
}

/// <summary>Request limits of the API: a body of at most <see cref="MaxBodyBytes"/> (inbound webhooks keep their own limit).</summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>Refuses an over-large API body before anything reads it: by Content-Length, or by reading at most the limit.</summary>
    public static IApplicationBuilder UseApiBodyLimit(this IApplicationBuilder app) =>
        app.Use(async (ctx, next) =>
        {
            if (!ApiPaths.IsApi(ctx.Request.Path) || ApiPaths.OwnsBody(ctx.Request.Path))
            {
                await next(ctx);
                return;
            }

            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = MaxBodyBytes;
            }

            if (ctx.Request.ContentLength > MaxBodyBytes)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }

            var json = ctx.Request.HasJsonContentType();
            if (HasBody(ctx.Request) && (ctx.Request.ContentLength is null || (json && ctx.Request.ContentLength > 0)))
            {
                // Buffer at most the limit (a chunked body has no Content-Length to refuse early), so no handler reads past it.
                var buffer = new MemoryStream();
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
                {
                    if (buffer.Length + read > MaxBodyBytes)
                    {
                        throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
                    }

                    buffer.Write(chunk, 0, read);
                }

                if (json && buffer.Length > 0)
                {
                    CheckSyntax(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                }

                buffer.Position = 0;
                ctx.Request.Body = buffer;
                ctx.Request.ContentLength = buffer.Length;
                ctx.Response.RegisterForDispose(buffer);
            }

            await next(ctx);
        });

    /// <summary>
    /// Checks JSON syntax over one contiguous buffer before any handler parses the body: the framework reads bodies in
    /// segments, and .NET's multi-segment reader can throw IndexOutOfRangeException on a broken literal (dotnet/runtime
    /// PR 134448) instead of a JsonException. Depth is left to the binder, whose error names the path.
    /// </summary>
    private static void CheckSyntax(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 4 * Core.Common.JsonLimits.MaxDocumentDepth });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            // The reader's own message can quote the rest of the body (secrets included): say only where.
            var where = $"line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}";
            throw new BadHttpRequestException("The request body is not valid JSON.", StatusCodes.Status400BadRequest,
                new JsonException($"The JSON is malformed (or nested more than {4 * Core.Common.JsonLimits.MaxDocumentDepth} levels) at {where}."));
        }
    }

    private static bool HasBody(HttpRequest request) =>
        !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsDelete(request.Method);
}
