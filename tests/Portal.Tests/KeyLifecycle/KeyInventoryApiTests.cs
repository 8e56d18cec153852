using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.Webhooks;

namespace Portal.Tests.KeyLifecycle;

/// <summary>
/// Issue 16 points 1, 2 and 4 on the API: the tenant's keys in one list, the age policy (on a fake clock), rotating from
/// the list, and ending a grace period. Each test works in its own tenant, so the lists hold only its keys.
/// </summary>
public sealed class KeyInventoryApiTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private static string Keys(string tenant) => $"/v1/tenants/{tenant}/keys";

    private static string Policy(string tenant) => $"/v1/tenants/{tenant}/key-policy";

    // Issue 16: "lists every key of the tenant across kinds by prefix (never the secret): kind, owner … with a link to where it is rotated"
    [Fact]
    public async Task The_inventory_lists_every_kind_by_prefix_with_its_owner_and_never_a_secret()
    {
        const string tenant = "keys-inventory";
        using var admin = await portal.OtherTenantAsync(tenant);
        var (integration, config) = await McpTestData.CreateAsync(admin, tenant: tenant);
        var webhookUrl = (await (await admin.PostAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        var mcpKey = await admin.EnableAsync(integration, config, tenant);
        var signing = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/signing-secrets", new { name = "payments" })).ExpectAsync(HttpStatusCode.Created);
        var secrets = new[] { WebhookApi.KeyOf(webhookUrl), mcpKey, signing["token"]!.GetValue<string>() };

        var list = await (await admin.GetAsync(Keys(tenant))).ExpectAsync(HttpStatusCode.OK);
        var body = list.ToJsonString();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }

        var items = list["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal(list["total"]!.GetValue<int>(), items.Count);
        // The API client this test signs in with is a key of the tenant too.
        Assert.Equal(["api_client_secret", "mcp_key", "signing_secret", "webhook_key"], items.Select(i => i["kind"]!.GetValue<string>()).Order().ToArray());
        Assert.Equal($"/t/{tenant}/api-clients", items.Single(i => i["kind"]!.GetValue<string>() == "api_client_secret")["owner"]!["href"]!.GetValue<string>());

        var webhook = items.Single(i => i["kind"]!.GetValue<string>() == "webhook_key");
        Assert.StartsWith(webhook["keyPrefix"]!.GetValue<string>(), WebhookApi.KeyOf(webhookUrl), StringComparison.Ordinal);
        Assert.Equal("config", webhook["owner"]!["type"]!.GetValue<string>());
        Assert.Equal($"/t/{tenant}/integrations/{integration}/configs/{config}", webhook["owner"]!["href"]!.GetValue<string>());
        Assert.Equal("active", webhook["status"]!.GetValue<string>());
        Assert.True(webhook["active"]!.GetValue<bool>());
        Assert.Null(webhook["rotationDueAt"]); // no age policy yet

        var mcp = items.Single(i => i["kind"]!.GetValue<string>() == "mcp_key");
        Assert.Equal($"/t/{tenant}/integrations/{integration}?tab=mcp", mcp["owner"]!["href"]!.GetValue<string>());
        Assert.Equal("Signing secret payments", items.Single(i => i["kind"]!.GetValue<string>() == "signing_secret")["owner"]!["displayName"]!.GetValue<string>());

        // Filters: a kind, and a page of one.
        var signingOnly = await (await admin.GetAsync($"{Keys(tenant)}?kind=signing_secret")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("signing_secret", Assert.Single(signingOnly["items"]!.AsArray())!["kind"]!.GetValue<string>());
        var paged = await (await admin.GetAsync($"{Keys(tenant)}?take=1&skip=1&sort=-createdAt")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(paged["items"]!.AsArray());
        Assert.Equal(4, paged["total"]!.GetValue<int>());

        // One key by id; another tenant's key is a 404, as if it did not exist.
        var id = webhook["id"]!.GetValue<string>();
        Assert.Equal(webhook["keyPrefix"]!.ToString(), (await (await admin.GetAsync($"{Keys(tenant)}/{id}")).ExpectAsync(HttpStatusCode.OK))["keyPrefix"]!.ToString());
        using var stranger = await portal.OtherTenantAsync("keys-stranger");
        await (await stranger.GetAsync($"{Keys("keys-stranger")}/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.PostAsync($"{Keys("keys-stranger")}/{id}:rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var strangers = await (await stranger.GetAsync(Keys("keys-stranger"))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("api_client_secret", Assert.Single(strangers["items"]!.AsArray())!["kind"]!.GetValue<string>()); // only its own client's secret
    }

    [Fact]
    public async Task Bad_filters_are_400s_that_say_what_to_use()
    {
        using var admin = await portal.OtherTenantAsync("keys-filters");
        var kind = await (await admin.GetAsync($"{Keys("keys-filters")}?kind=password")).ExpectValidationAsync("kind");
        Assert.Contains("webhook_key", kind.Errors()["kind"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        await (await admin.GetAsync($"{Keys("keys-filters")}?status=stale")).ExpectValidationAsync("status");
        await (await admin.GetAsync($"{Keys("keys-filters")}?sort=secret")).ExpectValidationAsync("sort");
        await (await admin.GetAsync($"{Keys("keys-filters")}/not-a-key")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    // Issue 16: "Age policy per tenant and kind (GET/PUT /v1/tenants/{tenant}/key-policy: maxAgeDays, warnDays, enforce)"
    [Fact]
    public async Task The_policy_has_defaults_changes_only_what_the_body_names_and_refuses_nonsense_by_field()
    {
        const string tenant = "keys-policy";
        using var admin = await portal.OtherTenantAsync(tenant);
        var defaults = await (await admin.GetAsync(Policy(tenant))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["api_client_secret", "integration_key", "mcp_key", "signing_secret", "webhook_key"], defaults.Select(p => p.Key).Order().ToArray());
        Assert.Null(defaults["webhook_key"]!["maxAgeDays"]);
        Assert.Equal(14, defaults["webhook_key"]!["warnDays"]!.GetValue<int>());
        Assert.False(defaults["webhook_key"]!["enforce"]!.GetValue<bool>());
        Assert.Equal("revoke", defaults["webhook_key"]!["onLeak"]!.GetValue<string>());

        var set = await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = 90, ["enforce"] = true } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(90, set["webhook_key"]!["maxAgeDays"]!.GetValue<int>());
        Assert.Equal(14, set["webhook_key"]!["warnDays"]!.GetValue<int>()); // left out: kept
        Assert.True(set["webhook_key"]!["enforce"]!.GetValue<bool>());
        Assert.Null(set["mcp_key"]!["maxAgeDays"]); // kinds left out keep their policy

        var onlyLeak = await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["onLeak"] = "notify" } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(90, onlyLeak["webhook_key"]!["maxAgeDays"]!.GetValue<int>());
        Assert.Equal("notify", onlyLeak["webhook_key"]!["onLeak"]!.GetValue<string>());

        var cleared = await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = null } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(cleared["webhook_key"]!["maxAgeDays"]);
        Assert.Equal(cleared.ToJsonString(), (await (await admin.GetAsync(Policy(tenant))).ExpectAsync(HttpStatusCode.OK)).ToJsonString());

        var bad = new JsonObject
        {
            ["passwords"] = new JsonObject(),
            ["mcp_key"] = new JsonObject { ["maxAgeDays"] = 0, ["onLeak"] = "ignore", ["colour"] = "red" },
            ["signing_secret"] = new JsonObject { ["maxAgeDays"] = 10, ["warnDays"] = 10 },
            ["integration_key"] = "yearly",
            ["api_client_secret"] = new JsonObject { ["enforce"] = "yes", ["warnDays"] = -1 },
        };
        await (await admin.PutAsJsonAsync(Policy(tenant), bad)).ExpectValidationAsync(
            "passwords", "mcp_key.maxAgeDays", "mcp_key.onLeak", "mcp_key.colour", "signing_secret.warnDays", "integration_key", "api_client_secret.enforce", "api_client_secret.warnDays");
        using (var notObject = new StringContent("[1,2]", System.Text.Encoding.UTF8, "application/json"))
        {
            await (await admin.PutAsync(Policy(tenant), notObject)).ExpectValidationAsync("body");
        }

        // Nothing of a refused body was kept.
        Assert.Equal(cleared.ToJsonString(), (await (await admin.GetAsync(Policy(tenant))).ExpectAsync(HttpStatusCode.OK)).ToJsonString());
    }

    [Fact]
    public async Task A_viewer_reads_the_policy_and_the_keys_but_changes_neither()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        await admin.GeneratedUrlAsync(integration, config);
        var keyId = (await (await admin.GetAsync($"{Keys(PortalApplication.Tenant)}?kind=webhook_key&sort=-createdAt&take=1")).ExpectAsync(HttpStatusCode.OK))["items"]![0]!["id"]!.GetValue<string>();

        using var viewer = await portal.ClientWithRoleAsync("Viewer");
        await (await viewer.GetAsync(Policy(PortalApplication.Tenant))).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync(Keys(PortalApplication.Tenant))).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.PutAsJsonAsync(Policy(PortalApplication.Tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = 1 } })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{Keys(PortalApplication.Tenant)}/{keyId}:rotate", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{Keys(PortalApplication.Tenant)}/{keyId}:endGrace", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Null((await (await admin.GetAsync(Policy(PortalApplication.Tenant))).ExpectAsync(HttpStatusCode.OK))["webhook_key"]!["maxAgeDays"]);
    }

    // Issue 16: "Keys past warnDays before their due date show a "rotation due" badge …; with enforce, a key past its age is refused (audited); without, it keeps working and is flagged."
    [Fact]
    public async Task On_a_fake_clock_a_key_becomes_due_then_expired_and_is_refused_only_when_the_policy_enforces_it()
    {
        const string tenant = "keys-age";
        using var admin = await portal.OtherTenantAsync(tenant);
        var (integration, config) = await admin.NewConfigAsync(tenant: tenant);
        var url = (await (await admin.PostAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = 30, ["warnDays"] = 7 } })).ExpectAsync(HttpStatusCode.OK);

        async Task<JsonObject> OnlyKeyAsync(HttpClient http, string? status = null)
        {
            var page = await (await http.GetAsync($"{Keys(tenant)}?kind=webhook_key{(status is null ? "" : $"&status={status}")}")).ExpectAsync(HttpStatusCode.OK);
            return Assert.Single(page["items"]!.AsArray())!.AsObject();
        }

        var fresh = await OnlyKeyAsync(admin, "active");
        Assert.Equal(fresh["createdAt"]!.GetValue<long>() + (30L * 24 * 3600 * 1000), fresh["rotationDueAt"]!.GetValue<long>());

        portal.Time.Advance(TimeSpan.FromDays(24));
        using var later = await portal.OtherTenantAsync(tenant);
        Assert.Equal("due", (await OnlyKeyAsync(later, "due"))["status"]!.GetValue<string>());
        Assert.Equal(0, (await (await later.GetAsync($"{Keys(tenant)}?kind=webhook_key&status=active")).ExpectAsync(HttpStatusCode.OK))["total"]!.GetValue<int>());
        using (var delivered = await portal.DeliverAsync(url))
        {
            Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        }

        portal.Time.Advance(TimeSpan.FromDays(7));
        using var past = await portal.OtherTenantAsync(tenant);
        Assert.Equal("expired", (await OnlyKeyAsync(past, "expired"))["status"]!.GetValue<string>());
        using (var flagged = await portal.DeliverAsync(url))
        {
            Assert.Equal(HttpStatusCode.Accepted, flagged.StatusCode); // not enforced: flagged, still working
        }

        await (await past.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["enforce"] = true } })).ExpectAsync(HttpStatusCode.OK);
        using (var refused = await portal.DeliverAsync(url))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode); // enforced: refused on the very next request
        }

        var audit = await (await past.GetAsync($"/v1/tenants/{tenant}/audit?take=50")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "key.useExpired" && url.Contains(e["keyPrefix"]!.GetValue<string>(), StringComparison.Ordinal));

        // A rotation gives a fresh key that works again; the old one is gone from the default list.
        var rotated = await (await past.PostAsync($"{Keys(tenant)}/{(await OnlyKeyAsync(past))["id"]}:rotate", null)).ExpectAsync(HttpStatusCode.OK);
        var newUrl = rotated["url"]!.GetValue<string>();
        Assert.Equal(WebhookApi.KeyOf(newUrl), rotated["secret"]!.GetValue<string>());
        using (var works = await portal.DeliverAsync(newUrl))
        {
            Assert.Equal(HttpStatusCode.Accepted, works.StatusCode);
        }

        Assert.Equal("active", (await OnlyKeyAsync(past))["status"]!.GetValue<string>());
    }

    // Issue 16: "while an old key is still accepted after a rotation, … show when it was last used and how many requests it carried since the rotation, and offer "End grace now" (confirm, audited)"
    [Fact]
    public async Task A_key_in_grace_counts_its_requests_since_the_rotation_and_ending_the_grace_refuses_it_at_once()
    {
        const string tenant = "keys-grace";
        using var admin = await portal.OtherTenantAsync(tenant);
        var (integration, config) = await admin.NewConfigAsync(tenant: tenant);
        var oldUrl = (await (await admin.PostAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        for (var i = 0; i < 2; i++)
        {
            using var before = await portal.DeliverAsync(oldUrl);
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        }

        var oldId = (await (await admin.GetAsync($"{Keys(tenant)}?kind=webhook_key")).ExpectAsync(HttpStatusCode.OK))["items"]![0]!["id"]!.GetValue<string>();
        var rotated = await (await admin.PostAsJsonAsync($"{Keys(tenant)}/{oldId}:rotate", new { gracePeriodSeconds = 3600 })).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(rotated["previousExpiresAt"]);
        for (var i = 0; i < 3; i++)
        {
            using var during = await portal.DeliverAsync(oldUrl);
            Assert.Equal(HttpStatusCode.Accepted, during.StatusCode);
        }

        var grace = await (await admin.GetAsync($"{Keys(tenant)}/{oldId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("grace", grace["status"]!.GetValue<string>());
        Assert.False(grace["active"]!.GetValue<bool>());
        Assert.Equal(3, grace["usesSinceRotation"]!.GetValue<long>()); // the two before the rotation do not count
        Assert.Equal(5, grace["useCount"]!.GetValue<long>());
        Assert.NotNull(grace["lastUsedAt"]);

        // Only the key in force can be rotated; a replaced one says which to rotate instead.
        var stale = await (await admin.PostAsync($"{Keys(tenant)}/{oldId}:rotate", null)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("no longer the key in force", stale["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var ended = await (await admin.PostAsync($"{Keys(tenant)}/{oldId}:endGrace", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("revoked", ended["status"]!.GetValue<string>());
        using (var refused = await portal.DeliverAsync(oldUrl))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        using (var works = await portal.DeliverAsync(rotated["url"]!.GetValue<string>()))
        {
            Assert.Equal(HttpStatusCode.Accepted, works.StatusCode);
        }

        await (await admin.PostAsync($"{Keys(tenant)}/{oldId}:endGrace", null)).ExpectProblemAsync(HttpStatusCode.Conflict);
        var activeId = (await (await admin.GetAsync($"{Keys(tenant)}?kind=webhook_key")).ExpectAsync(HttpStatusCode.OK))["items"]![0]!["id"]!.GetValue<string>();
        var notInGrace = await (await admin.PostAsync($"{Keys(tenant)}/{activeId}:endGrace", null)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("rotate it instead", notInGrace["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var audit = await (await admin.GetAsync($"/v1/tenants/{tenant}/audit?take=50")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "key.graceEnded" && e["target"]!.GetValue<string>() == $"keys/{oldId}");
    }

    [Fact]
    public async Task Rotating_an_mcp_key_from_the_inventory_returns_the_new_key_once_and_a_grace_period_is_refused_for_it()
    {
        const string tenant = "keys-mcp";
        using var admin = await portal.OtherTenantAsync(tenant);
        var (integration, config) = await McpTestData.CreateAsync(admin, tenant: tenant);
        var oldKey = await admin.EnableAsync(integration, config, tenant);
        var id = (await (await admin.GetAsync($"{Keys(tenant)}?kind=mcp_key")).ExpectAsync(HttpStatusCode.OK))["items"]![0]!["id"]!.GetValue<string>();

        await (await admin.PostAsJsonAsync($"{Keys(tenant)}/{id}:rotate", new { gracePeriodSeconds = 60 })).ExpectValidationAsync("gracePeriodSeconds");
        var rotated = await (await admin.PostAsync($"{Keys(tenant)}/{id}:rotate", null)).ExpectAsync(HttpStatusCode.OK);
        var newKey = rotated["secret"]!.GetValue<string>();
        Assert.StartsWith("mcp_", newKey, StringComparison.Ordinal);
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal("mcp_key", rotated["kind"]!.GetValue<string>());

        var list = await (await admin.GetAsync($"{Keys(tenant)}?kind=mcp_key")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(newKey, list.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(rotated["keyPrefix"]!.ToString(), Assert.Single(list["items"]!.AsArray())!["keyPrefix"]!.ToString());
        Assert.Equal(1, (await (await admin.GetAsync($"{Keys(tenant)}?status=revoked")).ExpectAsync(HttpStatusCode.OK))["total"]!.GetValue<int>());
    }
    // Issue 16: "with enforce, a key past its age is refused (audited)": an API client's secret gets no new token.
    [Fact]
    public async Task An_api_client_secret_past_an_enforced_age_gets_no_token_until_it_is_rotated()
    {
        const string tenant = "keys-client-age";
        using var admin = await portal.OtherTenantAsync(tenant);
        var created = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/api-clients", new { displayName = "nightly sync", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();
        var secret = created["clientSecret"]!.GetValue<string>();
        var clientKey = (await (await admin.GetAsync($"{Keys(tenant)}?kind=api_client_secret")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray()
            .Single(k => k!["owner"]!["id"]!.GetValue<string>() == clientId)!;
        Assert.Equal(created["secretPrefix"]!.GetValue<string>(), clientKey["keyPrefix"]!.GetValue<string>());

        await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["api_client_secret"] = new JsonObject { ["maxAgeDays"] = 1, ["warnDays"] = 0, ["enforce"] = true } })).ExpectAsync(HttpStatusCode.OK);
        (await portal.AdminAsync(clientId, secret)).Dispose(); // young enough: a token

        portal.Time.Advance(TimeSpan.FromDays(2));
        using var anonymous = portal.Factory.CreateClient();
        using var refused = await anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode); // OAuth 2.0: invalid_client is a 401
        var error = await refused.Content.ReadAsStringAsync();
        Assert.Contains("invalid_client", error, StringComparison.Ordinal);
        Assert.Contains("older than the tenant's key policy allows", error, StringComparison.Ordinal);
    }
    // Issue 16: "A daily sweep emits key.rotation_due / key.expired audit events": each once per key, however often it runs.
    [Fact]
    public async Task The_sweep_announces_a_due_key_once_and_an_expired_key_once()
    {
        const string tenant = "keys-sweep";
        using var admin = await portal.OtherTenantAsync(tenant);
        var (integration, config) = await admin.NewConfigAsync(tenant: tenant);
        await (await admin.PostAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);
        var key = (await (await admin.GetAsync($"{Keys(tenant)}?kind=webhook_key")).ExpectAsync(HttpStatusCode.OK))["items"]![0]!;
        await (await admin.PutAsJsonAsync(Policy(tenant), new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = 30, ["warnDays"] = 7 } })).ExpectAsync(HttpStatusCode.OK);
        var sweep = portal.Services.GetRequiredService<Portal.Core.KeyLifecycle.KeyLifecycleSweep>();

        async Task<int> AnnouncedAsync(string action)
        {
            using var http = await portal.OtherTenantAsync(tenant);
            var audit = await (await http.GetAsync($"/v1/tenants/{tenant}/audit?take=200&action={action}")).ExpectAsync(HttpStatusCode.OK);
            return audit["items"]!.AsArray().Count(e => e!["action"]!.GetValue<string>() == action && e["target"]!.GetValue<string>() == $"keys/{key["id"]}" && e["keyPrefix"]!.GetValue<string>() == key["keyPrefix"]!.GetValue<string>());
        }

        await sweep.RunAsync();
        Assert.Equal(0, await AnnouncedAsync("key.rotation_due")); // young: nothing to say

        portal.Time.Advance(TimeSpan.FromDays(24));
        await sweep.RunAsync();
        await sweep.RunAsync();
        Assert.Equal(1, await AnnouncedAsync("key.rotation_due"));
        Assert.Equal(0, await AnnouncedAsync("key.expired"));

        portal.Time.Advance(TimeSpan.FromDays(7));
        await Task.WhenAll(sweep.RunAsync(), sweep.RunAsync()); // two sweeps at once (as two instances would) announce it once
        Assert.Equal(1, await AnnouncedAsync("key.expired"));
        Assert.Equal(1, await AnnouncedAsync("key.rotation_due"));

        // Issue 17: each announcement is a notification event too, once, naming the key by prefix and its owner.
        await using var db = await portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>().CreateDbContextAsync();
        var events = db.NotificationMessages.Where(m => m.TenantId == tenant && (m.EventType == "key.rotation_due" || m.EventType == "key.expired")).OrderBy(m => m.Id).ToList();
        Assert.Equal(["key.rotation_due", "key.expired"], events.Select(e => e.EventType));
        var data = JsonNode.Parse(events[1].Payload)!["data"]!;
        Assert.Equal(key["keyPrefix"]!.GetValue<string>(), data["keyPrefix"]!.GetValue<string>());
        Assert.Equal("webhook_key", data["kind"]!.GetValue<string>());
        Assert.Equal("config", data["owner"]!["type"]!.GetValue<string>());
        Assert.Equal(config, data["owner"]!["id"]!.GetValue<string>());
    }
}
