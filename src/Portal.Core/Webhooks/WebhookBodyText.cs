using System.Text;

namespace Portal.Core.Webhooks;

/// <summary>
/// How the inbox shows a stored body: as text when the content type is textual (or absent) and the bytes are valid
/// UTF-8, otherwise as base64, so no byte is lost or replaced on the way to a browser or an API client.
/// </summary>
public static class WebhookBodyText
{
    public const string Utf8 = "utf8";
    public const string Base64 = "base64";

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly string[] TextualApplicationTypes =
    [
        "application/json", "application/xml", "application/x-www-form-urlencoded", "application/javascript",
        "application/x-ndjson", "application/yaml", "application/x-yaml", "application/graphql",
    ];

    public static (string Body, string Encoding) Render(string? contentType, byte[] body)
    {
        if (IsTextual(contentType) && TryDecode(body) is { } text)
        {
            return (text, Utf8);
        }

        return (Convert.ToBase64String(body), Base64);
    }

    /// <summary>text/*, JSON, XML, form-urlencoded and the +json/+xml suffixes; a missing content type is judged by the bytes alone.</summary>
    public static bool IsTextual(string? contentType)
    {
        var mediaType = MediaType(contentType);
        return mediaType.Length == 0
            || mediaType.StartsWith("text/", StringComparison.Ordinal)
            || mediaType.EndsWith("+json", StringComparison.Ordinal)
            || mediaType.EndsWith("+xml", StringComparison.Ordinal)
            || TextualApplicationTypes.Contains(mediaType);
    }

    /// <summary>
    /// A JSON body (JSON or +json content type, or none) indented for reading; null when the body is not JSON. The body is
    /// at most 1 MiB and a deeper nesting than <see cref="Common.JsonLimits.MaxDocumentDepth"/> is shown as text, so this is bounded work.
    /// </summary>
    public static string? PrettyJson(string? contentType, string body, string encoding)
    {
        var mediaType = MediaType(contentType);
        if (encoding != Utf8 || !(mediaType is "" or "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal)))
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body, new System.Text.Json.JsonDocumentOptions { MaxDepth = Common.JsonLimits.MaxDocumentDepth });
            return System.Text.Json.JsonSerializer.Serialize(document.RootElement, PrettyOptions);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions PrettyOptions = new()
    {
        WriteIndented = true,
        MaxDepth = Common.JsonLimits.MaxDocumentDepth,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // shown as text in a <pre>, never as markup
    };

    /// <summary>The media type without parameters, lower case ("" when absent).</summary>
    public static string MediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return "";
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    /// <summary>The text, or null when the bytes are not valid UTF-8 or hold a NUL (binary in disguise).</summary>
    private static string? TryDecode(byte[] body)
    {
        if (body.AsSpan().Contains((byte)0))
        {
            return null;
        }

        try
        {
            return Strict.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
