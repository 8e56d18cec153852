using Portal.Core.Common;

namespace Portal.Hosting;

/// <summary>
/// <c>ETag</c>/<c>If-Match</c> (RFC 9110 §8.8.3, §13.1.1) for configs and integrations: the ETag is the row version, a strong,
/// quoted validator; <c>If-Match</c> becomes a Core <see cref="Precondition"/>. Without <c>If-Match</c> the last writer wins.
/// </summary>
public static class EntityTags
{
    public const string IfMatchHeader = "If-Match";

    public const string IfMatchDescription =
        "Optimistic concurrency (RFC 9110): the `ETag` of the resource as you last read it (GET, or the previous PATCH/PUT). " +
        "If the resource changed since, the answer is 412 and nothing changes: read it again and re-apply your change. " +
        "`*` only requires that it exists. Without this header the last writer wins.";

    public static string Format(Guid version) => $"\"{version:N}\"";

    /// <summary>
    /// The precondition an <c>If-Match</c> value asks for; null when there is none. Strong comparison: a weak tag
    /// (<c>W/"…"</c>) or one this server never issued matches no version, so it fails the precondition.
    /// </summary>
    public static Precondition? IfMatch(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var versions = new List<Guid>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "*")
            {
                return Precondition.Any;
            }

            if (part.Length > 2 && part[0] == '"' && part[^1] == '"' && Guid.TryParseExact(part[1..^1], "N", out var version))
            {
                versions.Add(version);
            }
        }

        return Precondition.Of([.. versions]);
    }
}

/// <summary>Endpoint metadata: the operation answers with an <c>ETag</c> (reads and writes) and honours <c>If-Match</c> (writes).</summary>
public sealed record ETagged(string Resource, bool Conditional);

public static class ETaggedExtensions
{
    /// <summary>A read or write that sends the resource's ETag; <paramref name="conditional"/>: a write that honours If-Match (412 when it does not match).</summary>
    public static RouteHandlerBuilder WithETag(this RouteHandlerBuilder builder, string resource, bool conditional)
    {
        builder.WithMetadata(new ETagged(resource, conditional));
        return conditional ? builder.ProducesProblem(StatusCodes.Status412PreconditionFailed) : builder;
    }
}
