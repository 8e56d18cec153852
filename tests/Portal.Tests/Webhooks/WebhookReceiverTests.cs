using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Portal.Core.Keys;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>POST /webhooks/{tenant}/{integration}/{key}: who is refused, what is stored, and that the key never leaks.</summary>
public sealed class WebhookReceiverTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private const string SigningToken = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private async Task<(string Integration, string Config, string Url)> BoundConfigAsync(HttpClient admin, string? signingSecretName = null)
    {
        var (integration, config) = await admin.NewConfigAsync(signingSecretName: signingSecretName);
        return (integration, config, await admin.GeneratedUrlAsync(integration, config));
    }

    private Action<HttpRequestMessage> Signed(string body, string id, string secret = SigningToken, DateTimeOffset? at = null) => request =>
    {
        var timestamp = (at ?? portal.Time.GetUtcNow()).ToUnixTimeSeconds();
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(secret, id, timestamp, Encoding.UTF8.GetBytes(body)));
    };

    [Fact]
    public async Task A_delivery_to_a_bound_url_is_stored_and_listed_in_the_inbox_newest_first()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);

        await (await portal.DeliverAsync(url, """{"n": 1}""", r => r.Headers.Add("webhook-id", "evt_1"))).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(url, """{"n": 2, "text": "grüß dich"}""")).ExpectAsync(HttpStatusCode.Accepted);

        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, events["total"]!.GetValue<int>());
        var items = events["items"]!.AsArray();
        Assert.Equal("""{"n": 2, "text": "grüß dich"}""", items[0]!["body"]!.GetValue<string>());
        Assert.Equal("""{"n": 1}""", items[1]!["body"]!.GetValue<string>());
        Assert.Equal("evt_1", items[1]!["webhookId"]!.GetValue<string>());
        Assert.StartsWith("application/json", items[1]!["contentType"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(items[0]!["receivedAt"]!.GetValue<long>() >= items[1]!["receivedAt"]!.GetValue<long>());
        Assert.True(items[0]!["id"]!.GetValue<long>() > items[1]!["id"]!.GetValue<long>());
        var page = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events?skip=1&take=1")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("evt_1", Assert.Single(page["items"]!.AsArray())!["webhookId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_malformed_and_mismatched_keys_are_404_problems_that_do_not_name_the_key()
    {
        using var admin = await portal.AdminAsync();
        var (integration, _, url) = await BoundConfigAsync(admin);
        var (otherIntegration, _) = await admin.NewConfigAsync();
        using var other = await portal.OtherTenantAsync("tenant-rx");
        var (theirIntegration, theirConfig) = await other.NewConfigAsync(tenant: "tenant-rx");
        var theirUrl = (await (await other.PostAsync($"/v1/tenants/tenant-rx/integrations/{theirIntegration}/configs/{theirConfig}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        var key = KeyOf(url);
        var unknown = SecretFormat.Mint("whk_").Value;

        string[] cases =
        [
            $"/webhooks/default/{integration}/{unknown}",
            $"/webhooks/default/{integration}/{key[..^1]}{(key[^1] == 'x' ? 'y' : 'x')}", // one character off (never the key itself)
            $"/webhooks/default/{integration}/not-a-key",
            $"/webhooks/default/{otherIntegration}/{key}",
            $"/webhooks/tenant-rx/{integration}/{key}",
            $"/webhooks/default/{theirIntegration}/{KeyOf(theirUrl)}",
            $"/webhooks/no such tenant/{integration}/{key}",
        ];
        foreach (var path in cases)
        {
            using var response = await portal.DeliverAsync($"http://localhost{path}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode} for case {Array.IndexOf(cases, path)}");
            var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound);
            var last = path[(path.LastIndexOf('/') + 1)..];
            Assert.DoesNotContain(last, problem.ToJsonString(), StringComparison.Ordinal);
            Assert.EndsWith("/{key}", problem["instance"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(theirUrl)).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_body_over_one_MiB_is_a_413_problem_and_exactly_one_MiB_is_accepted()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);

        var problem = await (await portal.DeliverAsync(url, new string('a', WebhookReceiver.MaxBodyBytes + 1))).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.DoesNotContain(KeyOf(url), problem.ToJsonString(), StringComparison.Ordinal);
        await (await portal.DeliverAsync(url, new string('a', WebhookReceiver.MaxBodyBytes))).ExpectAsync(HttpStatusCode.Accepted);

        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, events["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_body_over_one_MiB_without_a_content_length_is_a_413_problem_too()
    {
        using var admin = await portal.AdminAsync();
        var (_, _, url) = await BoundConfigAsync(admin);
        using var http = portal.Factory.CreateClient();
        var content = new StreamContent(new MemoryStream(new byte[WebhookReceiver.MaxBodyBytes + 10]));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        await (await http.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task With_a_signing_secret_a_validly_signed_delivery_is_accepted()
    {
        await portal.SeedSigningSecretAsync("crm-signing-ok", SigningToken);
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin, "crm-signing-ok");
        const string body = """{"type":"invoice.paid"}""";

        await (await portal.DeliverAsync(url, body, Signed(body, "msg_ok"))).ExpectAsync(HttpStatusCode.Accepted);

        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("msg_ok", Assert.Single(events["items"]!.AsArray())!["webhookId"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_a_signing_secret_a_wrong_secret_an_old_timestamp_or_no_signature_is_a_401_problem_and_nothing_is_stored()
    {
        await portal.SeedSigningSecretAsync("crm-signing-bad", SigningToken);
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin, "crm-signing-bad");
        const string body = """{"type":"invoice.paid"}""";

        await (await portal.DeliverAsync(url, body, Signed(body, "msg_1", "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA=="))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await portal.DeliverAsync(url, body, Signed(body, "msg_2", at: portal.Time.GetUtcNow().AddMinutes(-6)))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await portal.DeliverAsync(url, body, Signed(body, "msg_3", at: portal.Time.GetUtcNow().AddMinutes(6)))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await portal.DeliverAsync(url, body, Signed("""{"type":"other"}""", "msg_4"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var problem = await (await portal.DeliverAsync(url, body)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("webhook-signature", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, events["total"]!.GetValue<int>());
        await (await portal.DeliverAsync(url, body, Signed(body, "msg_5", at: portal.Time.GetUtcNow().AddMinutes(-4)))).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_config_whose_signing_secret_was_deleted_refuses_every_delivery()
    {
        using var admin = await portal.AdminAsync();
        await portal.SeedSigningSecretAsync("deleted-later", SigningToken);
        var (_, _, url) = await BoundConfigAsync(admin, "deleted-later");
        await (await admin.DeleteAsync("/v1/tenants/default/signing-secrets/deleted-later")).ExpectAsync(HttpStatusCode.NoContent);
        const string body = "{}";

        await (await portal.DeliverAsync(url, body, Signed(body, "msg_x"))).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_repeated_webhook_id_is_acknowledged_without_a_second_event()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);

        var first = await portal.DeliverAsync(url, """{"try":1}""", r => r.Headers.Add("webhook-id", "msg_dup"));
        var again = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => portal.DeliverAsync(url, """{"try":2}""", r => r.Headers.Add("webhook-id", "msg_dup"))));

        await first.ExpectAsync(HttpStatusCode.Accepted);
        foreach (var response in again)
        {
            await response.ExpectAsync(HttpStatusCode.Accepted);
        }

        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        var stored = Assert.Single(events["items"]!.AsArray());
        Assert.Equal("""{"try":1}""", stored!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_the_config_revokes_its_webhook_url()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config, url) = await BoundConfigAsync(admin);
        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);

        await (await admin.DeleteAsync(ConfigPath(integration, config))).ExpectAsync(HttpStatusCode.NoContent);

        await (await portal.DeliverAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?take=500&target=integrations/{integration}/configs/{config}/webhook")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "key.revoke");
    }

    [Fact]
    public async Task A_wrong_method_on_a_webhook_url_is_a_problem_whose_instance_hides_the_key()
    {
        using var admin = await portal.AdminAsync();
        var (_, _, url) = await BoundConfigAsync(admin);
        using var http = portal.Factory.CreateClient();

        using var response = await http.GetAsync(new Uri(url).PathAndQuery);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("/{key}", text, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyOf(url), text, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyOf(url), portal.Logs.All, StringComparison.Ordinal);
    }
}
