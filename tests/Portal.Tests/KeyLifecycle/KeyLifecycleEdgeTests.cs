using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.SecretScanning;
using Portal.Tests.Webhooks;

namespace Portal.Tests.KeyLifecycle;

// Findings of the review of issue 16 (each failed before its fix).

/// <summary>Issue 16 edge cases: "a key past its age is refused", everywhere and at once; bad input is a 400.</summary>
public sealed class KeyLifecycleEdgeTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private static string Keys(string tenant) => $"/v1/tenants/{tenant}/keys";
    private static string Policy(string tenant) => $"/v1/tenants/{tenant}/key-policy";

    [Fact]
    public async Task A_token_issued_before_the_policy_is_enforced_is_refused_on_the_next_request()
    {
        const string tenant = "rv-token";
        using var admin = await portal.OtherTenantAsync(tenant);
        var created = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/api-clients", new { displayName = "old", role = "Admin" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();
        var secret = created["clientSecret"]!.GetValue<string>();
        portal.Time.Advance(TimeSpan.FromDays(2));
        using var client = await portal.AdminAsync(clientId, secret); // token from a 2-day-old secret, no policy yet
        using var admin2 = await portal.OtherTenantAsync(tenant);
        await (await admin2.PutAsJsonAsync(Policy(tenant), new JsonObject { ["api_client_secret"] = new JsonObject { ["maxAgeDays"] = 1, ["warnDays"] = 0, ["enforce"] = true } })).ExpectAsync(HttpStatusCode.OK);

        using var anonymous = portal.Factory.CreateClient();
        using var refused = await anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode); // the secret itself is refused now

        using var still = await client.GetAsync(Keys(tenant));
        Assert.Equal(HttpStatusCode.Unauthorized, still.StatusCode); // expected: refused on the very next request
    }

    [Theory]
    [InlineData("deep")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"x\"")]
    public async Task Hostile_policy_bodies_are_400_problems(string kind)
    {
        const string tenant = "rv-policy";
        using var admin = await portal.OtherTenantAsync(tenant);
        var body = kind == "deep" ? new string('[', 200) + new string(']', 200) : kind;
        if (kind == "deep") body = "{\"webhook_key\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200) + "}";
        using var response = await admin.PutAsync(Policy(tenant), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {response.Content.Headers.ContentType} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_empty_sort_is_the_default_order()
    {
        const string tenant = "rv-sort";
        using var admin = await portal.OtherTenantAsync(tenant);
        using var response = await admin.GetAsync($"{Keys(tenant)}?sort=");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_replaced_key_past_an_enforced_age_is_shown_expired_not_in_grace()
    {
        const string tenant = "rv-grace-age";
        using var admin = await portal.OtherTenantAsync(tenant);
        var (integration, config) = await admin.NewConfigAsync(tenant: tenant);
        var url = (await (await admin.PostAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = 30, ["warnDays"] = 7, ["enforce"] = true } })).ExpectAsync(HttpStatusCode.OK);
        portal.Time.Advance(TimeSpan.FromDays(29));
        using var a2 = await portal.OtherTenantAsync(tenant);
        var id = (await (await a2.GetAsync($"{Keys(tenant)}?kind=webhook_key")).ExpectAsync(HttpStatusCode.OK))["items"]![0]!["id"]!.GetValue<string>();
        await (await a2.PostAsJsonAsync($"{Keys(tenant)}/{id}:rotate", new { gracePeriodSeconds = 604800 })).ExpectAsync(HttpStatusCode.OK);
        portal.Time.Advance(TimeSpan.FromDays(2));
        using (var d = await portal.DeliverAsync(url)) { Assert.Equal(HttpStatusCode.NotFound, d.StatusCode); } // refused by the policy
        using var a3 = await portal.OtherTenantAsync(tenant);
        var item = await (await a3.GetAsync($"{Keys(tenant)}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("expired", item["status"]!.GetValue<string>());
        var expired = await (await a3.GetAsync($"{Keys(tenant)}?kind=webhook_key&status=expired")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(expired["items"]!.AsArray(), k => k!["id"]!.GetValue<string>() == id);
        Assert.Equal(0, (await (await a3.GetAsync($"{Keys(tenant)}?kind=webhook_key&status=grace")).ExpectAsync(HttpStatusCode.OK))["total"]!.GetValue<int>());
    }

    // Issue 16 follow-up (last stop's note): "two simultaneous :rotate calls on the same key id can both pass the 'key in
    // force' check … The second then replaces the key the first caller just received."
    [Fact]
    public async Task Eight_rotations_of_one_key_at_once_from_the_inventory_rotate_it_once_and_the_others_are_409s()
    {
        const string tenant = "rv-race";
        using var admin = await portal.OtherTenantAsync(tenant);
        var name = $"race-{Guid.NewGuid():N}"[..20];
        var created = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created);
        var prefix = created["token"]!.GetValue<string>()[..14];
        var list = await (await admin.GetAsync($"{Keys(tenant)}?kind=signing_secret")).ExpectAsync(HttpStatusCode.OK);
        var id = list["items"]!.AsArray().Single(k => k!["keyPrefix"]!.GetValue<string>() == prefix)!["id"]!.GetValue<string>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var response = await admin.PostAsync($"{Keys(tenant)}/{id}:rotate", null);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
            Assert.Contains(prefix, a.Body, StringComparison.Ordinal); // names the key that is no longer in force
        });
        var history = await (await admin.GetAsync($"/v1/tenants/{tenant}/signing-secrets")).ExpectAsync(HttpStatusCode.OK);
        var secret = history["items"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == name)!;
        var winner = JsonNode.Parse(answers.Single(a => a.StatusCode == HttpStatusCode.OK).Body)!;
        Assert.Equal(winner["keyPrefix"]!.GetValue<string>(), secret["keyPrefix"]!.GetValue<string>()); // the key the caller received is the one in force
        var all = await (await admin.GetAsync($"{Keys(tenant)}?kind=signing_secret&status=revoked")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(all["items"]!.AsArray(), k => k!["owner"]!["id"]!.GetValue<string>() == name); // one rotation: one replaced key
    }
}

/// <summary>Issue 16: "Malformed JSON … → a clean 200 …, no 5xx".</summary>
public sealed class LeakIntakeOddStringsTests(SecretScanningPortal portal) : IClassFixture<SecretScanningPortal>
{
    [Theory]
    [InlineData("type")]
    [InlineData("url")]
    public async Task A_lone_surrogate_in_type_or_url_is_a_clean_200(string field)
    {
        var body = "[{\"token\":\"whk_abc\",\"" + field + "\":\"\\ud800\",\"source\":\"content\"}]";
        using var response = await portal.ReportAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
    }
}

/// <summary>Issue 16: a leaked key is "revoked at once", once: concurrent reports of one key (on PostgreSQL, rows locked) revoke it once.</summary>
public sealed class LeakIntakeConcurrencyTests(SecretScanningPortal portal) : IClassFixture<SecretScanningPortal>
{
    [Fact]
    public async Task Four_reports_of_one_key_at_once_revoke_it_once()
    {
        using var admin = await portal.App.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        var key = WebhookApi.KeyOf(url);
        var max = 0;
        for (var round = 0; round < 5 && max < 2; round++)
        {
            if (round > 0)
            {
                var rotated = await (await admin.PostAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}/webhook:rotate", null)).ExpectAsync(HttpStatusCode.OK);
                key = WebhookApi.KeyOf(rotated["webhookUrl"]!.GetValue<string>());
            }

            var bodies = Enumerable.Range(0, 4).Select(i => "[{\"token\":\"" + key + "\",\"type\":\"t\",\"url\":\"https://example.com/" + i + "\",\"source\":\"content\"}]").ToArray();
            var responses = await Task.WhenAll(bodies.Select(b => portal.ReportAsync(b)));
            foreach (var r in responses) { Assert.Equal(HttpStatusCode.OK, r.StatusCode); r.Dispose(); }
            var audit = await (await admin.GetAsync($"{ApiTestData.Base}/audit?take=200&action=key.revoke")).ExpectAsync(HttpStatusCode.OK);
            var n = audit["items"]!.AsArray().Count(e => e!["action"]!.GetValue<string>() == "key.revoke" && e["actor"]!.GetValue<string>() == "github-secret-scanning" && e["keyPrefix"]!.GetValue<string>() == key[..12]);
            max = Math.Max(max, n);
        }

        Assert.True(max <= 1, $"one leaked key was audited as key.revoke {max} times by concurrent reports");
    }
}
