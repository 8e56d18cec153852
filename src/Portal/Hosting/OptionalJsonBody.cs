using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Portal.Core.Common;

namespace Portal.Hosting;

/// <summary>
/// The optional JSON body of the mint and rotate endpoints, read in one place. Generated clients send
/// <c>Content-Type: application/json</c> with no body at all: that is a call without options, not a malformed request.
/// Bytes that are sent must be JSON (of the documented shape), else a 400 ProblemDetails saying what to send.
/// </summary>
public static class OptionalJsonBody
{
    /// <summary>Options are small; a bigger body is refused before it is parsed.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Declares an optional <typeparamref name="T"/> body and checks it; the handler reads it with <see cref="OptionalBody{T}"/>.</summary>
    public static RouteHandlerBuilder AcceptsOptionalJson<T>(this RouteHandlerBuilder builder, string example)
        where T : class =>
        builder.Accepts<T>(isOptional: true, "application/json").AddEndpointFilter(async (ctx, next) =>
        {
            var read = await ReadAsync(ctx.HttpContext, example, (bytes, options) => JsonSerializer.Deserialize<T>(bytes, options));
            if (!read.IsSuccess)
            {
                return ApiResults.Problem(read.Error!);
            }

            ctx.HttpContext.Items[typeof(OptionalJsonBody)] = read.Value;
            return await next(ctx);
        });

    /// <summary>For endpoints that take no options: no body, or any well-formed JSON (such as <c>{}</c>); anything else is a 400.</summary>
    public static RouteHandlerBuilder AcceptsEmptyJsonBody(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            var read = await ReadAsync(ctx.HttpContext, "{}", (bytes, _) =>
            {
                using var document = JsonDocument.Parse(bytes);
                return (object?)null;
            });
            return read.IsSuccess ? await next(ctx) : ApiResults.Problem(read.Error!);
        });

    /// <summary>The body a <see cref="AcceptsOptionalJson{T}"/> filter read; null when none was sent.</summary>
    public static T? OptionalBody<T>(this HttpContext http)
        where T : class => http.Items[typeof(OptionalJsonBody)] as T;

    private static async Task<Result<T?>> ReadAsync<T>(HttpContext http, string example, Func<byte[], JsonSerializerOptions, T?> parse)
        where T : class
    {
        var request = http.Request;
        if (request.ContentLength == 0)
        {
            return Result<T?>.Ok(null);
        }

        var bytes = await ReadAtMostAsync(request.Body, MaxBytes, http.RequestAborted);
        if (bytes is null)
        {
            return Error.BadRequest($"The body may be at most {MaxBytes / 1024} KiB: send JSON like {example}, or nothing.");
        }

        if (bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return Result<T?>.Ok(null);
        }

        try
        {
            return parse(bytes, http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : $" at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}";
            return Error.BadRequest($"The body is not valid JSON of the expected shape{where}: send JSON like {example}, or nothing.");
        }
    }

    /// <summary>At most <paramref name="limit"/> bytes (null when longer); rewinds a buffered body so the idempotency check can hash it too.</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8 * 1024];
        int read;
        while (buffer.Length <= limit && (read = await body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        if (body.CanSeek)
        {
            body.Position = 0;
        }

        return buffer.Length > limit ? null : buffer.ToArray();
    }
}
