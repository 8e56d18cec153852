using System.Text.Json;

namespace Portal.Core.Webhooks;

/// <summary>One request header of a received event, as stored.</summary>
public sealed record WebhookHeader(string Name, string Value);

/// <summary>
/// The request headers kept with a received event, so the inbox can show what the provider sent (its event type, delivery
/// id, signature headers). A bounded set: at most <see cref="MaxHeaders"/> headers, each value cut at
/// <see cref="MaxValueLength"/> characters, <see cref="MaxTotalLength"/> characters in all. Credentials are not kept:
/// <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c> are stored as "(redacted)", and any value that
/// contains the webhook key (it lives in the URL path, which a proxy could copy into a header) is redacted too.
/// </summary>
public static class WebhookHeaders
{
    public const int MaxHeaders = 64, MaxNameLength = 128, MaxValueLength = 1024, MaxTotalLength = 16 * 1024;
    public const string Redacted = "(redacted)";

    private static readonly HashSet<string> Credentials = new(StringComparer.OrdinalIgnoreCase) { "Authorization", "Proxy-Authorization", "Cookie" };

    /// <summary>The JSON kept in the event row (<c>[["name","value"],…]</c>), or null when there is nothing to keep.</summary>
    public static string? Capture(IEnumerable<KeyValuePair<string, string>>? headers, string key)
    {
        if (headers is null)
        {
            return null;
        }

        var kept = new List<string[]>();
        var total = 0;
        foreach (var (rawName, rawValue) in headers)
        {
            if (kept.Count == MaxHeaders)
            {
                break;
            }

            var name = Clean(rawName, MaxNameLength);
            var value = Credentials.Contains(name) || (key.Length > 0 && rawValue.Contains(key, StringComparison.Ordinal))
                ? Redacted
                : Clean(rawValue, MaxValueLength);
            total += name.Length + value.Length;
            if (name.Length == 0 || total > MaxTotalLength)
            {
                continue;
            }

            kept.Add([name, value]);
        }

        if (kept.Count == 0)
        {
            return null;
        }

        // As JsonSerializer writes a string[][] (same escaping), without its per-call metadata lookups: once per delivery.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var pair in kept)
            {
                json.WriteStartArray();
                json.WriteStringValue(pair[0]);
                json.WriteStringValue(pair[1]);
                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The stored headers; null for events received before headers were kept.</summary>
    public static IReadOnlyList<WebhookHeader>? Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        var pairs = JsonSerializer.Deserialize<string[][]>(json) ?? [];
        return pairs.Where(p => p.Length == 2).Select(p => new WebhookHeader(p[0], p[1])).ToList();
    }

    /// <summary>Control characters (PostgreSQL refuses U+0000) become U+FFFD; an over-long value is cut with an ellipsis.</summary>
    private static string Clean(string value, int max)
    {
        if (value.Length <= max && value.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') < 0 && value.AsSpan().IndexOfAnyInRange('\u007F', '\u009F') < 0)
        {
            return value; // nothing to replace or cut: the usual header
        }

        var chars = value.Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray();
        var text = new string(chars);
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
    }
}
