using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Providers post every content type (forms like Twilio and Slack, XML, text, binary): each is accepted, stored byte for
/// byte with its content type, listed as text or base64 (bodyEncoding), and downloadable as the exact bytes.
/// </summary>
public sealed class WebhookContentTypesTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private const string SigningToken = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /// <summary>Not UTF-8: a lone continuation byte, an overlong sequence, a truncated sequence, and a NUL among them.</summary>
    private static readonly byte[] Binary = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x80, 0xC0, 0xAF, 0xFF, 0xFE, 0xE2, 0x82];

    private async Task<(string Integration, string Config, string Url)> BoundConfigAsync(HttpClient admin, string? signingSecretName = null)
    {
        var (integration, config) = await admin.NewConfigAsync(signingSecretName: signingSecretName);
        return (integration, config, await admin.GeneratedUrlAsync(integration, config));
    }

    private static async Task<JsonObject> OnlyEventAsync(HttpClient admin, string integration, string config)
    {
        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        return Assert.Single(events["items"]!.AsArray())!.AsObject();
    }

    private static ByteArrayContent Bytes(byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return content;
    }

    private Action<HttpRequestMessage> Signed(byte[] body, string id) => request =>
    {
        var timestamp = portal.Time.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(SigningToken, id, timestamp, body));
    };

    [Fact]
    public async Task A_form_urlencoded_delivery_like_Twilio_is_accepted_and_listed_as_text_with_its_content_type()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["MessageSid"] = "SM0123456789abcdef0123456789abcdef",
            ["From"] = "+15005550006",
            ["Body"] = "Grüße & hello = yes",
        });
        var sent = await form.ReadAsStringAsync();

        await (await portal.DeliverAsync(url, form)).ExpectAsync(HttpStatusCode.Accepted);

        var stored = await OnlyEventAsync(admin, integration, config);
        Assert.Equal(sent, stored["body"]!.GetValue<string>());
        Assert.Equal("utf8", stored["bodyEncoding"]!.GetValue<string>());
        Assert.Equal("application/x-www-form-urlencoded", stored["contentType"]!.GetValue<string>());
        Assert.Equal(Encoding.UTF8.GetByteCount(sent), stored["bodyBytes"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_xml_delivery_is_accepted_and_listed_as_text()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        const string xml = """<?xml version="1.0" encoding="UTF-8"?><notification><event>paid</event><amount currency="EUR">12.50</amount></notification>""";

        await (await portal.DeliverAsync(url, new StringContent(xml, Encoding.UTF8, "application/xml"))).ExpectAsync(HttpStatusCode.Accepted);

        var stored = await OnlyEventAsync(admin, integration, config);
        Assert.Equal(xml, stored["body"]!.GetValue<string>());
        Assert.Equal("utf8", stored["bodyEncoding"]!.GetValue<string>());
        Assert.Equal("application/xml; charset=utf-8", stored["contentType"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_binary_delivery_is_accepted_and_listed_as_base64_of_the_exact_bytes()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);

        await (await portal.DeliverAsync(url, Bytes(Binary, "application/octet-stream"))).ExpectAsync(HttpStatusCode.Accepted);

        var stored = await OnlyEventAsync(admin, integration, config);
        Assert.Equal("base64", stored["bodyEncoding"]!.GetValue<string>());
        Assert.Equal(Binary, Convert.FromBase64String(stored["body"]!.GetValue<string>()));
        Assert.Equal(Binary.Length, stored["bodyBytes"]!.GetValue<int>());
        Assert.Equal("application/octet-stream", stored["contentType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Text_that_is_not_valid_utf8_and_octets_that_happen_to_be_text_are_listed_as_base64()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        var latin1 = Encoding.Latin1.GetBytes("Grüße");
        var plain = "plain words"u8.ToArray();

        await (await portal.DeliverAsync(url, Bytes(latin1, "text/plain; charset=iso-8859-1"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(url, Bytes(plain, "application/octet-stream"))).ExpectAsync(HttpStatusCode.Accepted);

        var items = (await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(["base64", "base64"], items.Select(i => i!["bodyEncoding"]!.GetValue<string>()));
        Assert.Equal(plain, Convert.FromBase64String(items[0]!["body"]!.GetValue<string>()));
        Assert.Equal(latin1, Convert.FromBase64String(items[1]!["body"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_delivery_without_a_content_type_is_accepted_with_or_without_a_body()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);

        var noType = Bytes("event=ping"u8.ToArray(), null);
        Assert.Null(noType.Headers.ContentType);
        await (await portal.DeliverAsync(url, noType, r => r.Headers.Add("webhook-id", "evt_no_type"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(url, Bytes([], null), r => r.Headers.Add("webhook-id", "evt_empty"))).ExpectAsync(HttpStatusCode.Accepted);

        var items = (await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.Equal("", items[0]!["body"]!.GetValue<string>());
        Assert.Equal("event=ping", items[1]!["body"]!.GetValue<string>());
        Assert.Equal("utf8", items[1]!["bodyEncoding"]!.GetValue<string>());
        Assert.Null(items[1]!["contentType"]);
    }

    [Fact]
    public async Task A_content_type_that_is_not_a_valid_media_type_is_stored_as_sent_and_served_as_octets()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        var content = new ByteArrayContent("ping"u8.ToArray());
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", "not a media type"));

        await (await portal.DeliverAsync(url, content)).ExpectAsync(HttpStatusCode.Accepted);

        var stored = await OnlyEventAsync(admin, integration, config);
        Assert.Equal("not a media type", stored["contentType"]!.GetValue<string>());
        Assert.Equal("base64", stored["bodyEncoding"]!.GetValue<string>());
        using var download = await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events/{stored["id"]!.GetValue<long>()}/body");
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ping"u8.ToArray(), await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Signatures_are_checked_over_the_raw_bytes_of_binary_and_form_bodies()
    {
        await portal.SeedSigningSecretAsync("ct-signing", SigningToken);
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin, "ct-signing");
        var form = "To=%2B15005550006&Body=Gr%C3%BC%C3%9Fe+%26+more"u8.ToArray();
        var tampered = (byte[])Binary.Clone();
        tampered[^1] ^= 0x01;

        await (await portal.DeliverAsync(url, Bytes(Binary, "application/octet-stream"), Signed(Binary, "msg_bin"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(url, Bytes(form, "application/x-www-form-urlencoded"), Signed(form, "msg_form"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(url, Bytes(tampered, "application/octet-stream"), Signed(Binary, "msg_tampered"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);

        var items = (await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(["msg_form", "msg_bin"], items.Select(i => i!["webhookId"]!.GetValue<string>()));
        Assert.Equal(Encoding.UTF8.GetString(form), items[0]!["body"]!.GetValue<string>());
        Assert.Equal(Binary, Convert.FromBase64String(items[1]!["body"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_body_download_returns_the_exact_bytes_and_content_type_to_a_viewer_and_is_404_for_another_tenant()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        await (await portal.DeliverAsync(url, Bytes(Binary, "image/png"))).ExpectAsync(HttpStatusCode.Accepted);
        var id = (await OnlyEventAsync(admin, integration, config))["id"]!.GetValue<long>();
        var download = $"{ConfigPath(integration, config)}/webhook/events/{id}/body";
        using var viewer = await portal.ClientWithRoleAsync("Viewer");

        using var response = await viewer.GetAsync(download);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Binary, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        // The bytes come from whoever holds the URL: a download, never a page of the portal.
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.StartsWith("sandbox", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var other = await portal.OtherTenantAsync("tenant-ct");
        await (await other.GetAsync(download)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/v1/tenants/tenant-ct/integrations/{integration}/configs/{config}/webhook/events/{id}/body")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events/{id + 1000}/body")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_openapi_document_says_the_receiver_accepts_any_content_type()
    {
        using var http = portal.Factory.CreateClient();

        var document = await (await http.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);

        var receive = document["paths"]!["/webhooks/{tenant}/{integration}/{key}"]!["post"]!;
        var content = receive["requestBody"]!["content"]!.AsObject();
        Assert.Equal(["*/*"], content.Select(c => c.Key));
        Assert.Contains("any content type", receive["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
