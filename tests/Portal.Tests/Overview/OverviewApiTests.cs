using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Overview;

/// <summary>Issue 15 point 3: the tenant home page's data, <c>GET /v1/tenants/{tenant}/overview</c>.</summary>
public sealed class OverviewApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task A_new_tenant_is_empty_then_counts_live_keys_and_lists_what_needs_attention()
    {
        const string tenant = "overview-a";
        using var http = await app.OtherTenantClientAsync(tenant);
        var overview = $"/v1/tenants/{tenant}/overview";

        var empty = await (await http.GetAsync(overview)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(empty["isEmpty"]!.GetValue<bool>());
        Assert.Equal(0, empty["counts"]!["integrations"]!.GetValue<int>());
        Assert.Empty(empty["attention"]!.AsArray());

        var id = NewId("home");
        await http.CreateIntegrationAsync(SmallIntegration(id), tenant);
        var configs = $"/v1/tenants/{tenant}/integrations/{id}/configs";
        var published = (await (await http.PostAsJsonAsync(configs, new { displayName = "Published" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var never = (await (await http.PostAsJsonAsync(configs, new { displayName = "Never published" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        await (await http.PostAsync($"{configs}/{published}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var url = (await (await http.PostAsync($"{configs}/{published}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        var key = url[(url.LastIndexOf('/') + 1)..];

        var after = await (await http.GetAsync(overview)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(after["isEmpty"]!.GetValue<bool>());
        Assert.Equal(1, after["counts"]!["integrations"]!.GetValue<int>());
        Assert.Equal(2, after["counts"]!["configs"]!.GetValue<int>());
        Assert.Equal(1, after["counts"]!["liveKeys"]!["webhookKey"]!.GetValue<int>());
        Assert.Equal(0, after["counts"]!["liveKeys"]!["mcpKey"]!.GetValue<int>());

        // Only the config that was never published needs attention; the published one matches its revision.
        var attention = after["attention"]!.AsArray();
        var item = Assert.Single(attention);
        Assert.Equal("unpublished_draft", item!["kind"]!.GetValue<string>());
        Assert.Equal(never, item["configId"]!.GetValue<string>());
        Assert.Equal(id, item["integrationId"]!.GetValue<string>());
        Assert.Equal(1, after["attentionTotal"]!.GetValue<int>());

        // The last ten audit events, newest first: the URL generation is there (by key prefix), never the key itself.
        var recent = after["recentActivity"]!.AsArray();
        Assert.InRange(recent.Count, 1, 10);
        Assert.Contains(recent, e => e!["action"]!.GetValue<string>() == "config.publish");
        Assert.Contains(recent, e => e!["keyPrefix"]?.GetValue<string>() is { } prefix && key.StartsWith(prefix, StringComparison.Ordinal));
        Assert.DoesNotContain(key, after.ToJsonString(), StringComparison.Ordinal);

        // Keys that need a person are counted by status (the home page links each to the Keys page): none yet, then a URL in its grace period.
        Assert.Equal(0, after["keys"]!["grace"]!.GetValue<int>());
        await (await http.PostAsJsonAsync($"{configs}/{published}/webhook:rotate", new { gracePeriodSeconds = 3600 })).ExpectAsync(HttpStatusCode.OK);
        var graced = await (await http.GetAsync(overview)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, graced["keys"]!["grace"]!.GetValue<int>());
        Assert.Equal(0, graced["keys"]!["leaked"]!.GetValue<int>());

        // An edit after publishing is an unpublished draft too.
        await (await http.PatchAsJsonAsync($"{configs}/{published}", new { description = "changed after publish" })).ExpectAsync(HttpStatusCode.OK);
        var edited = await (await http.GetAsync(overview)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, edited["attentionTotal"]!.GetValue<int>());
        Assert.Contains(edited["attention"]!.AsArray(), a => a!["configId"]!.GetValue<string>() == published && a["kind"]!.GetValue<string>() == "unpublished_draft");
    }

    [Fact]
    public async Task Another_tenants_overview_is_404_and_a_viewer_can_read_their_own()
    {
        using var other = await app.OtherTenantClientAsync("overview-b");
        using (var refused = await other.GetAsync($"{Base}/overview"))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        using var viewer = await app.ClientWithRoleAsync("Viewer");
        var page = await (await viewer.GetAsync($"{Base}/overview")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(page["counts"]);
    }

    [Fact]
    public async Task Without_a_token_the_overview_is_401()
    {
        using var anonymous = app.CreateClient();
        using var response = await anonymous.GetAsync($"{Base}/overview");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
