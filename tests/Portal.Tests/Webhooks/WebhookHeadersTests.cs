using System.Text.Json;
using Portal.Core.Webhooks;

namespace Portal.Tests.Webhooks;

/// <summary>The headers kept with a received event: what the inbox shows, bounded, credentials and the key redacted.</summary>
public sealed class WebhookHeadersTests
{
    private const string Key = "whk_0123456789abcdefghijklmnopqrstuv";

    [Fact]
    public void Kept_headers_read_back_as_sent_with_credentials_the_key_and_control_characters_made_safe()
    {
        var json = WebhookHeaders.Capture(
        [
            new("webhook-id", "msg_1"),
            new("X-Note", "caf\u00e9 \"quoted\" <b>&amp; \u65e5\u672c"),
            new("Authorization", "Bearer abc"),
            new("cookie", "session=1"),
            new("X-Forwarded-Uri", $"/webhooks/default/crm/{Key}"),
            new("X-Control", "a\u0000b\u0007c\u0085d"),
            new("X-Long", new string('x', WebhookHeaders.MaxValueLength + 10)),
            new("", "nameless"),
        ], Key);

        var read = WebhookHeaders.Read(json)!.ToDictionary(h => h.Name, h => h.Value);
        Assert.Equal("msg_1", read["webhook-id"]);
        Assert.Equal("caf\u00e9 \"quoted\" <b>&amp; \u65e5\u672c", read["X-Note"]);
        Assert.Equal(WebhookHeaders.Redacted, read["Authorization"]);
        Assert.Equal(WebhookHeaders.Redacted, read["cookie"]);
        Assert.Equal(WebhookHeaders.Redacted, read["X-Forwarded-Uri"]);
        Assert.Equal("a\uFFFDb\uFFFDc\uFFFDd", read["X-Control"]);
        Assert.Equal(WebhookHeaders.MaxValueLength, read["X-Long"].Length);
        Assert.EndsWith("…", read["X-Long"], StringComparison.Ordinal);
        Assert.DoesNotContain("", read.Keys);
        Assert.DoesNotContain(Key, json, StringComparison.Ordinal);

        // The stored text is what the serializer writes for the same pairs (rows stored before and after read alike).
        Assert.Equal(JsonSerializer.Serialize(read.Select(kv => new[] { kv.Key, kv.Value }).ToList()), json);
    }

    [Fact]
    public void No_headers_keep_nothing()
    {
        Assert.Null(WebhookHeaders.Capture(null, Key));
        Assert.Null(WebhookHeaders.Capture([], Key));
    }
}
