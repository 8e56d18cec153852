using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.SigningSecrets;
using Portal.Tests.Webhooks;

namespace Portal.Tests.SecretScanning;

/// <summary>
/// Issue point 3: "A reported portal key is found by hash across tenants and revoked at once (tenant policy may choose
/// notify-only), audited as key.leaked with the report's url, and shown on the Keys page as leaked with where it was
/// found. The response labels each token true_positive/false_positive by token_hash."
/// </summary>
public sealed class LeakIntakeTests(SecretScanningPortal portal) : IClassFixture<SecretScanningPortal>
{
    private const string LeakUrl = "https://github.com/octo-org/octo-repo/blob/abc123/.env#L3";

    private PortalApplication App => portal.App;

    [Fact]
    public async Task A_signed_report_of_a_webhook_key_revokes_it_so_the_next_delivery_is_404()
    {
        using var admin = await App.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        var key = WebhookApi.KeyOf(url);
        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(url)).StatusCode);

        using var response = await portal.ReportAsync(SecretScanningPortal.Body(key));

        // "The response labels each token true_positive/false_positive by token_hash."
        var label = Assert.Single(await SecretScanningPortal.LabelsAsync(response))!;
        Assert.Equal(SecretScanningPortal.TokenHash(key), label["token_hash"]!.GetValue<string>());
        Assert.Equal("portal_key", label["token_type"]!.GetValue<string>());
        Assert.Equal("true_positive", label["label"]!.GetValue<string>());
        // "revoked at once": the very next delivery to that URL is refused.
        Assert.Equal(HttpStatusCode.NotFound, (await DeliverAsync(url)).StatusCode);

        // "audited as key.leaked with the report's url"
        var audit = await (await admin.GetAsync($"{ApiTestData.Base}/audit?action=key.leaked")).ExpectAsync(HttpStatusCode.OK);
        var leaked = Assert.Single(audit["items"]!.AsArray(), e => e!["keyPrefix"]!.GetValue<string>() == key[..12])!;
        Assert.Equal("github-secret-scanning", leaked["actor"]!.GetValue<string>());
        Assert.Contains(LeakUrl, leaked["target"]!.GetValue<string>(), StringComparison.Ordinal);

        // "shown on the Keys page as leaked with where it was found"
        var inventory = await (await admin.GetAsync($"{ApiTestData.Base}/keys?status=leaked")).ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(inventory["items"]!.AsArray(), k => k!["keyPrefix"]!.GetValue<string>() == key[..12])!;
        Assert.Equal("leaked", item["status"]!.GetValue<string>());
        Assert.Equal(LeakUrl, item["leak"]!["url"]!.GetValue<string>());
        Assert.NotNull(item["revokedAt"]?.GetValue<long>());

        // Never the token: not in the answer, the audit log or a log line.
        Assert.DoesNotContain(key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, audit.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, App.Logs.All, StringComparison.Ordinal);

        // DESIGN.md "Secret scanning intake": "… and announced as a key.leaked notification." Once, never with the token.
        await using var db = await App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>().CreateDbContextAsync();
        var shownPrefix = key[..12];
        var announced = db.NotificationMessages.Where(m => m.EventType == "key.leaked" && m.Payload.Contains(shownPrefix)).ToList();
        var leakEvent = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(announced).Payload)!["data"]!;
        Assert.Equal(LeakUrl, leakEvent["url"]!.GetValue<string>());
        Assert.True(leakEvent["revoked"]!.GetValue<bool>());
        Assert.DoesNotContain(key, announced[0].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_report_of_an_MCP_key_revokes_it_so_the_next_MCP_call_is_401()
    {
        using var admin = await App.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);
        Assert.Null(await McpClients.RefusalAsync(App, id, key, "call"));

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(key)));

        Assert.Equal("true_positive", Assert.Single(labels)!["label"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(App, id, key, "call"));
        Assert.DoesNotContain(key, App.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_secret_found_by_its_Standard_Webhooks_shape_is_revoked_so_it_verifies_nothing_more()
    {
        using var admin = await App.ClientAsync();
        var name = ApiTestData.NewId("leaked");
        var secret = await admin.CreateSigningSecretAsync(name);
        Assert.Equal(new[] { secret }, await App.UsableTokensAsync(name));

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(secret)));

        Assert.Equal("true_positive", Assert.Single(labels)!["label"]!.GetValue<string>());
        Assert.Empty(await App.UsableTokensAsync(name));
    }

    [Fact]
    public async Task A_reported_API_client_secret_is_revoked_so_the_token_endpoint_refuses_it()
    {
        using var admin = await App.ClientAsync();
        var created = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/api-clients", new { displayName = "leaky CI", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var (clientId, secret) = (created["clientId"]!.GetValue<string>(), created["clientSecret"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(clientId, secret));
        using var holder = await App.ClientAsync(clientId, secret); // a token issued before the report
        Assert.Equal(HttpStatusCode.OK, (await holder.GetAsync($"{ApiTestData.Base}/integrations")).StatusCode);

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(secret)));

        Assert.Equal("true_positive", Assert.Single(labels)!["label"]!.GetValue<string>());
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(clientId, secret));
        // The token issued before the report ends with the secret: the client and its secret prefix are unchanged, the
        // revoked ledger entry alone refuses it on the very next request.
        var refused = await holder.GetAsync($"{ApiTestData.Base}/integrations");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Keys_of_two_tenants_in_one_report_are_both_found_and_revoked_and_audited_in_their_own_tenant()
    {
        using var admin = await App.ClientAsync();
        using var other = await App.OtherTenantClientAsync("scan-other");
        var (integration, config) = await admin.NewConfigAsync();
        var (otherIntegration, otherConfig) = await other.NewConfigAsync(tenant: "scan-other");
        var url = await admin.GeneratedUrlAsync(integration, config);
        var otherUrl = (await (await other.PostAsync($"/v1/tenants/scan-other/integrations/{otherIntegration}/configs/{otherConfig}:generateWebhookUrl", null))
            .ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(WebhookApi.KeyOf(url), WebhookApi.KeyOf(otherUrl))));

        // "found by hash across tenants"
        Assert.All(labels, l => Assert.Equal("true_positive", l!["label"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await DeliverAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await DeliverAsync(otherUrl)).StatusCode);
        var otherAudit = await (await other.GetAsync("/v1/tenants/scan-other/audit?action=key.leaked")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(WebhookApi.KeyOf(otherUrl)[..12], Assert.Single(otherAudit["items"]!.AsArray())!["keyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_notify_policy_keeps_the_key_working_but_shows_it_leaked()
    {
        const string tenant = "scan-notify";
        using var admin = await App.OtherTenantClientAsync(tenant);
        await (await admin.PutAsJsonAsync($"/v1/tenants/{tenant}/key-policy", new JsonObject { ["webhook_key"] = new JsonObject { ["onLeak"] = "notify" } }))
            .ExpectAsync(HttpStatusCode.OK);
        var (integration, config) = await admin.NewConfigAsync(tenant: tenant);
        var url = (await (await admin.PostAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", null))
            .ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(WebhookApi.KeyOf(url))));

        // "(tenant policy may choose notify-only)"
        Assert.Equal("true_positive", Assert.Single(labels)!["label"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(url)).StatusCode);
        var inventory = await (await admin.GetAsync($"/v1/tenants/{tenant}/keys?status=leaked")).ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(inventory["items"]!.AsArray())!;
        Assert.Equal(LeakUrl, item["leak"]!["url"]!.GetValue<string>());
        Assert.Null(item["revokedAt"]?.GetValue<long?>());
    }

    [Fact]
    public async Task A_checksum_valid_string_that_matches_no_key_is_a_false_positive_after_one_lookup()
    {
        var stranger = SecretFormat.Mint(KeyPrefixes.WebhookKey).Value;
        var before = portal.Lookups.Count;

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(stranger)));

        var label = Assert.Single(labels)!;
        Assert.Equal(SecretScanningPortal.TokenHash(stranger), label["token_hash"]!.GetValue<string>());
        Assert.Equal("false_positive", label["label"]!.GetValue<string>());
        Assert.Equal(before + 1, portal.Lookups.Count); // it passed the checksum, so it was looked up
    }

    [Fact]
    public async Task Ten_thousand_non_portal_tokens_are_all_false_positives_in_order_without_a_lookup()
    {
        // "10,000 tokens in one report, non-portal strings … a clean 200 labelling them false_positive, no lookup for strings that fail the checksum"
        var tokens = Enumerable.Range(0, 10_000).Select(i => (i % 3) switch
        {
            0 => "ghp_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(18)),
            1 => "whk_" + RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 49), // right shape, wrong checksum
            _ => "mcp_" + Guid.NewGuid().ToString("N"),
        }).ToArray();
        var before = portal.Lookups.Count;

        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(SecretScanningPortal.Body(tokens)));

        Assert.Equal(10_000, labels.Count);
        Assert.All(labels, l => Assert.Equal("false_positive", l!["label"]!.GetValue<string>()));
        Assert.Equal(tokens.Select(SecretScanningPortal.TokenHash), labels.Select(l => l!["token_hash"]!.GetValue<string>()));
        Assert.Equal(before, portal.Lookups.Count);
    }

    [Theory]
    [InlineData("""[{"token": "whk_""")]
    [InlineData("""{"token": "whk_x", "type": "portal_key"}""")]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("""[1, "x", null, {"type": "portal_key"}, {"token": 5}]""")]
    public async Task A_signed_body_that_is_no_array_of_tokens_labels_nothing(string body)
    {
        // "Malformed JSON … a clean 200 …, no 5xx"
        var labels = await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(body));

        Assert.Empty(labels);
    }

    private async Task<HttpStatusCode> TokenStatusAsync(string clientId, string secret)
    {
        using var http = App.CreateClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> DeliverAsync(string webhookUrl)
    {
        using var http = App.CreateClient();
        return await http.PostAsync(new Uri(webhookUrl).PathAndQuery, new StringContent("""{"event":"ping"}""", Encoding.UTF8, "application/json"));
    }
}
