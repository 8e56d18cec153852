using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>
/// GET …/webhook/events/{id} and the inbox filters: what a person sees of one delivery (headers as kept, the signature
/// verdict, the body), who may see it, and filters that say which value they refuse.
/// </summary>
public sealed class WebhookEventDetailTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private const string SigningToken = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static string Events(string integration, string config) => $"{ConfigPath(integration, config)}/webhook/events";

    private async Task<(string Integration, string Config, string Url)> BoundConfigAsync(HttpClient admin, string? signingSecretName = null)
    {
        var (integration, config) = await admin.NewConfigAsync(signingSecretName: signingSecretName);
        return (integration, config, await admin.GeneratedUrlAsync(integration, config));
    }

    private static async Task<JsonObject> OnlyEventAsync(HttpClient admin, string integration, string config) =>
        (await (await admin.GetAsync(Events(integration, config))).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray().Single()!.AsObject();

    [Fact]
    public async Task The_detail_shows_the_headers_as_sent_without_credentials_or_the_key()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        await (await portal.DeliverAsync(url, """{"type":"invoice.paid","n":1}""", r =>
        {
            r.Headers.Add("webhook-id", "evt_detail_1");
            r.Headers.Add("X-Provider-Event", "invoice.paid");
            r.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");
            r.Headers.TryAddWithoutValidation("X-Forwarded-Uri", new Uri(url).AbsolutePath); // a proxy copying the path (and its key) into a header
        })).ExpectAsync(HttpStatusCode.Accepted);
        var id = (await OnlyEventAsync(admin, integration, config))["id"]!.GetValue<long>();

        using var response = await admin.GetAsync($"{Events(integration, config)}/{id}");
        var text = await response.Content.ReadAsStringAsync();
        var detail = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("evt_detail_1", detail["webhookId"]!.GetValue<string>());
        Assert.Equal("""{"type":"invoice.paid","n":1}""", detail["body"]!.GetValue<string>());
        Assert.Equal("utf8", detail["bodyEncoding"]!.GetValue<string>());
        var headers = detail["headers"]!.AsArray().ToDictionary(h => h!["name"]!.GetValue<string>(), h => h!["value"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("invoice.paid", headers["X-Provider-Event"]);
        Assert.Equal("evt_detail_1", headers["webhook-id"]);
        Assert.StartsWith("application/json", headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(WebhookHeaders.Redacted, headers["Authorization"]);
        Assert.Equal(WebhookHeaders.Redacted, headers["X-Forwarded-Uri"]);
        Assert.DoesNotContain(KeyOf(url), text, StringComparison.Ordinal);
        Assert.DoesNotContain("dXNlcjpwYXNz", text, StringComparison.Ordinal);
        Assert.Equal("NOT_CHECKED", detail["signature"]!["status"]!.GetValue<string>());
        Assert.Contains("no signing secret", detail["signature"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_event_says_which_signing_secret_verified_it()
    {
        using var admin = await portal.AdminAsync();
        await portal.SeedSigningSecretAsync("detail-signing", SigningToken);
        var (integration, config, url) = await BoundConfigAsync(admin, "detail-signing");
        const string body = """{"type":"signed"}""";
        await (await portal.DeliverAsync(url, body, r =>
        {
            var timestamp = portal.Time.GetUtcNow().ToUnixTimeSeconds();
            r.Headers.Add("webhook-id", "msg_signed");
            r.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            r.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(SigningToken, "msg_signed", timestamp, Encoding.UTF8.GetBytes(body)));
        })).ExpectAsync(HttpStatusCode.Accepted);
        var id = (await OnlyEventAsync(admin, integration, config))["id"]!.GetValue<long>();

        var detail = await (await admin.GetAsync($"{Events(integration, config)}/{id}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("VERIFIED", detail["signature"]!["status"]!.GetValue<string>());
        Assert.Equal("detail-signing", detail["signature"]!["signingSecretName"]!.GetValue<string>());
        Assert.DoesNotContain(SigningToken, detail.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_reads_an_event_and_another_tenant_or_config_finds_nothing()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        var (_, otherConfig) = await admin.NewConfigAsync();
        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);
        var id = (await OnlyEventAsync(admin, integration, config))["id"]!.GetValue<long>();
        using var viewer = await portal.ClientWithRoleAsync("Viewer");
        using var stranger = await portal.OtherTenantAsync("detail-other");

        await (await viewer.GetAsync($"{Events(integration, config)}/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await stranger.GetAsync($"{Events(integration, config)}/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/v1/tenants/detail-other/integrations/{integration}/configs/{config}/webhook/events/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{ConfigPath(integration, otherConfig)}/webhook/events/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{Events(integration, config)}/{id + 1_000_000}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_inbox_filters_by_received_time_and_content_type()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        var start = portal.Time.GetUtcNow();
        await (await portal.DeliverAsync(url, """{"n":1}""", r => r.Headers.Add("webhook-id", "json_early"))).ExpectAsync(HttpStatusCode.Accepted);
        portal.Time.Advance(TimeSpan.FromMinutes(10));
        var middle = portal.Time.GetUtcNow();
        await (await portal.DeliverAsync(url, new StringContent("a=1", Encoding.UTF8, "application/x-www-form-urlencoded"), r => r.Headers.Add("webhook-id", "form_late"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(url, """{"n":2}""", r => r.Headers.Add("webhook-id", "json_late"))).ExpectAsync(HttpStatusCode.Accepted);

        async Task<List<string>> IdsAsync(string query)
        {
            var page = await (await admin.GetAsync($"{Events(integration, config)}?{query}")).ExpectAsync(HttpStatusCode.OK);
            var ids = page["items"]!.AsArray().Select(e => e!["webhookId"]!.GetValue<string>()).ToList();
            Assert.Equal(ids.Count, page["total"]!.GetValue<int>());
            return ids;
        }

        Assert.Equal(["json_late", "json_early"], await IdsAsync("contentType=application/json"));
        Assert.Equal(["json_late", "json_early"], await IdsAsync("contentType=APPLICATION/JSON;%20charset=utf-8"));
        Assert.Equal(["form_late"], await IdsAsync("contentType=application/x-www-form-urlencoded"));
        Assert.Equal(["json_late", "form_late"], await IdsAsync($"from={Uri.EscapeDataString(middle.ToString("O", CultureInfo.InvariantCulture))}"));
        Assert.Equal(["json_early"], await IdsAsync($"from={start.ToUnixTimeMilliseconds()}&to={middle.ToUnixTimeMilliseconds()}"));
        Assert.Equal(["json_late"], await IdsAsync($"from={middle.ToUnixTimeMilliseconds()}&contentType=application/json"));
        Assert.Empty(await IdsAsync("contentType=text/xml"));
    }

    [Theory]
    [InlineData("from=notadate", "from")]
    [InlineData("to=2026-13-45T99:00:00Z", "to")]
    [InlineData("from=2026-12-03T10:00:00Z&to=2026-12-03T09:00:00Z", "to")]
    [InlineData("take=-1", "take")]
    [InlineData("take=501", "take")]
    [InlineData("skip=-5", "skip")]
    [InlineData("take=lots", "take")]
    [InlineData("from=99999999999999999999999", "from")]
    public async Task A_filter_that_does_not_parse_is_a_400_naming_it(string query, string parameter)
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();

        var problem = await (await admin.GetAsync($"{Events(integration, config)}?{query}")).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(parameter, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_or_hostile_content_type_filter_is_a_400_never_a_5xx()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();

        var huge = await (await admin.GetAsync($"{Events(integration, config)}?contentType={new string('a', 5000)}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var nul = await (await admin.GetAsync($"{Events(integration, config)}?contentType=application%2Fjson%00")).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(huge["errors"]!.AsObject().ContainsKey("contentType"));
        Assert.True(nul["errors"]!.AsObject().ContainsKey("contentType"));
    }
}
