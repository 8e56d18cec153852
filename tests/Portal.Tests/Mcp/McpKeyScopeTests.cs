using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>Seed 002: the mcp:invoke scope lives on the issued key and the JSON-RPC endpoints check it; explicit nulls in a PATCH; rotateKey's new key id and prefix.</summary>
public sealed class McpKeyScopeTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private async Task<IssuedKey> IssuedAsync(string integration)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var owner = KeyOwner.ForMcp(integration).Stored;
        var active = await db.KeyBindings.Where(b => b.TenantId == PortalApplication.Tenant && b.OwnerId == owner).Select(b => b.ActiveKeyId).SingleAsync();
        return await db.IssuedKeys.AsNoTracking().SingleAsync(k => k.Id == active);
    }

    private async Task SetScopesAsync(Guid keyId, string scopes)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        // A tracked save, as the portal changes keys: the change is announced, so the key cache forgets the old scopes.
        var key = await db.IssuedKeys.SingleAsync(k => k.Id == keyId);
        key.Scopes = scopes;
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task The_key_is_stored_with_mcp_invoke_and_a_key_without_that_scope_is_refused_with_403()
    {
        // seed 002: "Mints a fresh secret with the same `mcp:invoke` scope, binds the MCP config to it, and revokes the original."
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);
        var issued = await IssuedAsync(id);
        Assert.Equal(["mcp:invoke"], issued.ScopeList);
        Assert.Null(await McpClients.RefusalAsync(app, id, key, "test"));

        await SetScopesAsync(issued.Id, "webhooks:manage");

        Assert.Equal(HttpStatusCode.Forbidden, await McpClients.RefusalAsync(app, id, key, "test"));
        Assert.Equal(HttpStatusCode.Forbidden, await McpClients.RefusalAsync(app, id, key, "call"));
        using var raw = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, McpClients.Url(id, "test"))
        {
            Content = JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "tools/list" }),
        };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        var problem = await (await raw.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("mcp:invoke", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?action=mcp.refused.scope&target=integrations/{id}/mcp")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(key[..issued.KeyPrefix.Length], audit["items"]!.AsArray().First()!["keyPrefix"]!.GetValue<string>());

        // Rotation mints the replacement with the scope again.
        var fresh = (await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectAsync(HttpStatusCode.OK))["apiKey"]!.GetValue<string>();
        Assert.Equal(["mcp:invoke"], (await IssuedAsync(id)).ScopeList);
        Assert.Null(await McpClients.RefusalAsync(app, id, fresh, "test"));
    }

    [Fact]
    public async Task Explicit_nulls_in_a_patch_keep_the_stored_values()
    {
        // seed 002: "Patches `enabled`, `configId`, `exposedToolIds`, and `description` on the integration's MCP server settings; null fields are preserved."
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(id, config);
        var before = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);

        using var content = new StringContent("""{"enabled":null,"configId":null,"exposedToolIds":null,"description":null}""", System.Text.Encoding.UTF8, "application/json");
        var patched = await (await admin.PatchAsync(McpTestData.Mcp(id), content)).ExpectAsync(HttpStatusCode.OK);

        Assert.True(patched["enabled"]!.GetValue<bool>());
        Assert.Equal(config, patched["configId"]!.GetValue<string>());
        Assert.Equal(new[] { "get_item", "list_items" }, patched["exposedToolIds"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("CRM tools", patched["description"]!.GetValue<string>());
        Assert.False(patched.ContainsKey("apiKey"));
        Assert.Equal(before["apiKeyId"]!.GetValue<string>(), patched["apiKeyId"]!.GetValue<string>());
        var read = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);
        foreach (var field in new[] { "enabled", "configId", "exposedToolIds", "description", "apiKeyId", "keyPrefix" })
        {
            Assert.Equal(before[field]!.ToJsonString(), read[field]!.ToJsonString());
        }
    }

    [Fact]
    public async Task Rotate_key_answers_with_the_new_key_id_and_prefix_that_get_shows_afterwards()
    {
        // seed 002: "Rotate the MCP key for an integration." — the response is the settings with the new apiKeyId, keyPrefix and apiKey.
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(id, config);
        var before = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);

        var rotated = await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectAsync(HttpStatusCode.OK);
        var after = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);

        var newId = rotated["apiKeyId"]!.GetValue<string>();
        var newPrefix = rotated["keyPrefix"]!.GetValue<string>();
        Assert.NotEqual(before["apiKeyId"]!.GetValue<string>(), newId);
        Assert.NotEqual(before["keyPrefix"]!.GetValue<string>(), newPrefix);
        Assert.StartsWith(newPrefix, rotated["apiKey"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(newId, after["apiKeyId"]!.GetValue<string>());
        Assert.Equal(newPrefix, after["keyPrefix"]!.GetValue<string>());
        Assert.Equal(newId, (await IssuedAsync(id)).Id.ToString());
    }
}
