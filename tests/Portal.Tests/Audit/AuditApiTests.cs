using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Audit;

/// <summary>The audit log: who did what to which resource, with what outcome.</summary>
public sealed class AuditApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string Audit = Base + "/audit";

    private static async Task<JsonArray> EventsAsync(HttpClient http, string query)
    {
        var page = await (await http.GetAsync($"{Audit}?{query}")).ExpectAsync(HttpStatusCode.OK);
        var items = page["items"]!.AsArray();
        Assert.True(items.Count <= page["total"]!.GetValue<int>());
        return items;
    }

    [Fact]
    public async Task Creating_updating_and_deleting_an_integration_is_audited_as_the_client()
    {
        using var http = await app.ClientAsync();
        var id = NewId("audited");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await http.CreateIntegrationAsync(SmallIntegration(id));
        await (await http.PatchAsJsonAsync($"{Base}/integrations/{id}", new { description = "changed" })).ExpectAsync(HttpStatusCode.OK);
        await (await http.PutAsJsonAsync($"{Base}/integrations/{id}", SmallIntegration(id, "Replaced"))).ExpectAsync(HttpStatusCode.OK);
        using (var deleted = await http.DeleteAsync($"{Base}/integrations/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var events = await EventsAsync(http, $"target=integrations/{id}");
        Assert.Equal(["integration.delete", "integration.update", "integration.update", "integration.create"], events.Select(e => e!["action"]!.GetValue<string>()));
        Assert.All(events, e =>
        {
            Assert.Equal("client:test-admin", e!["actor"]!.GetValue<string>());
            Assert.Equal($"integrations/{id}", e["target"]!.GetValue<string>());
            Assert.Equal("success", e["outcome"]!.GetValue<string>());
            Assert.True(e["at"]!.GetValue<long>() >= before - 1000, $"at {e["at"]} is not epoch milliseconds of now");
        });
    }

    [Fact]
    public async Task Config_changes_publish_and_rollback_are_audited()
    {
        using var http = await app.ClientAsync();
        var id = NewId("cfg-audit");
        await http.CreateIntegrationAsync(Integration(id));
        var config = await http.CreateConfigAsync(id, new JsonObject { ["displayName"] = "Prod", ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" } });
        var url = $"{Base}/integrations/{id}/configs/{config["id"]}";
        var revision = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        await (await http.PatchAsJsonAsync(url, new { displayName = "Prod 2" })).ExpectAsync(HttpStatusCode.OK);
        await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = revision })).ExpectAsync(HttpStatusCode.OK);

        var events = await EventsAsync(http, $"target=integrations/{id}/configs/");
        Assert.Equal(["config.rollback", "config.update", "config.publish", "config.create"], events.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal($"integrations/{id}/configs/{config["id"]}/revisions/{revision}", events[0]!["target"]!.GetValue<string>());
        Assert.All(events, e => Assert.Equal("success", e!["outcome"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Api_client_creation_rotation_and_deletion_are_audited_with_the_key_prefix_only()
    {
        using var http = await app.ClientAsync();
        var created = await (await http.PostAsJsonAsync($"{Base}/api-clients", new { displayName = "audited client", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();
        var rotated = await (await http.PostAsync($"{Base}/api-clients/{clientId}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK);
        using (var deleted = await http.DeleteAsync($"{Base}/api-clients/{clientId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var response = await http.GetAsync($"{Audit}?target=api-clients/{clientId}");
        var text = await response.Content.ReadAsStringAsync();
        var all = (await response.ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        // The key engine records the secret's own life beside the client's (it keeps every API client secret's hash).
        // (Within one operation the two rows may be a millisecond apart either way, so only the client's own order is fixed.)
        Assert.Equal(["apiClient.create", "apiClient.delete", "apiClient.rotateSecret", "key.mint", "key.revoke", "key.revoke", "key.rotate"], all.Select(e => e!["action"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var events = all.Where(e => e!["action"]!.GetValue<string>().StartsWith("apiClient.", StringComparison.Ordinal)).ToList();
        Assert.Equal(rotated["secretPrefix"]!.GetValue<string>(), events[1]!["keyPrefix"]!.GetValue<string>());
        Assert.Equal(created["secretPrefix"]!.GetValue<string>(), events[2]!["keyPrefix"]!.GetValue<string>());
        Assert.DoesNotContain(created["clientSecret"]!.GetValue<string>(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated["clientSecret"]!.GetValue<string>(), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewers_refused_mutation_is_recorded_as_denied()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("denied");
        await admin.CreateIntegrationAsync(SmallIntegration(id));
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.DeleteAsync($"{Base}/integrations/{id}")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsJsonAsync($"{Base}/integrations", SmallIntegration(NewId("denied-create")))).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var all = await EventsAsync(admin, "take=500");
        var denied = all.Where(e => e!["outcome"]!.GetValue<string>() == "denied").ToList();
        var deleteDenied = Assert.Single(denied, e => e!["target"]!.GetValue<string>() == $"integrations/{id}");
        Assert.StartsWith("client:", deleteDenied!["actor"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual("client:test-admin", deleteDenied["actor"]!.GetValue<string>());
        Assert.Equal("integration.delete", deleteDenied["action"]!.GetValue<string>()); // the operation refused, as its success is named
        Assert.Single(denied, e => e!["action"]!.GetValue<string>() == "integration.create"
            && e["actor"]!.GetValue<string>() == deleteDenied["actor"]!.GetValue<string>());

        // the refused delete did not happen, and no success was recorded for it
        await (await admin.GetAsync($"{Base}/integrations/{id}")).ExpectAsync(HttpStatusCode.OK);
        var deletes = await EventsAsync(admin, $"action=integration.delete&target=integrations/{id}");
        Assert.DoesNotContain(deletes, e => e!["outcome"]!.GetValue<string>() != "denied");
    }

    [Fact]
    public async Task The_audit_log_filters_by_action()
    {
        using var http = await app.ClientAsync();
        var id = NewId("filter");
        await http.CreateIntegrationAsync(SmallIntegration(id));
        using (var deleted = await http.DeleteAsync($"{Base}/integrations/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var deletes = await EventsAsync(http, "action=integration.delete&take=500");
        Assert.NotEmpty(deletes);
        Assert.All(deletes, e => Assert.Equal("integration.delete", e!["action"]!.GetValue<string>()));
        Assert.Contains(deletes, e => e!["target"]!.GetValue<string>() == $"integrations/{id}");

        var creates = await EventsAsync(http, "action=integration.create&take=500");
        Assert.All(creates, e => Assert.Equal("integration.create", e!["action"]!.GetValue<string>()));
        Assert.Contains(creates, e => e!["target"]!.GetValue<string>() == $"integrations/{id}");

        var none = await EventsAsync(http, "action=no.such.action");
        Assert.Empty(none);
    }

    [Fact]
    public async Task The_audit_log_is_newest_first_and_pages()
    {
        using var http = await app.ClientAsync();
        var prefix = NewId("paged");
        foreach (var n in new[] { 1, 2, 3 })
        {
            await http.CreateIntegrationAsync(SmallIntegration($"{prefix}-{n}"));
        }

        var page = await (await http.GetAsync($"{Audit}?target=integrations/{prefix}-&take=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, page["total"]!.GetValue<int>());
        Assert.Equal([$"integrations/{prefix}-3", $"integrations/{prefix}-2"], page["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>()));
        var rest = await (await http.GetAsync($"{Audit}?target=integrations/{prefix}-&skip=2&take=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([$"integrations/{prefix}-1"], rest["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>()));
    }
}
