using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>Seed 002: MCP settings, the first-enable key, rotation, validation, roles and tenants.</summary>
public sealed class McpSettingsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private Task<KeyCheck> CheckAsync(string integration, string key) =>
        app.Services.GetRequiredService<KeyEngine>().CheckAsync(KeyKind.McpKey, PortalApplication.Tenant, key, KeyOwner.ForMcp(integration), "127.0.0.1");

    [Fact]
    public async Task Get_before_any_change_returns_defaults_with_absolute_urls()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);

        var settings = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(id, settings["integrationId"]!.GetValue<string>());
        Assert.False(settings["enabled"]!.GetValue<bool>());
        Assert.Empty(settings["exposedToolIds"]!.AsArray());
        Assert.Null(settings["apiKeyId"]);
        Assert.Null(settings["keyPrefix"]);
        Assert.False(settings.ContainsKey("apiKey"));
        Assert.Equal($"http://localhost/v1/tenants/default/integrations/{id}/mcp:call", settings["callUrl"]!.GetValue<string>());
        Assert.Equal($"http://localhost/v1/tenants/default/integrations/{id}/mcp:test", settings["testUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_first_enable_returns_the_key_once_and_get_never_does()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);

        var enabled = await admin.PatchAsync(id, new { enabled = true, configId = config, exposedToolIds = new[] { "get_item" }, description = "CRM" });
        var key = enabled["apiKey"]!.GetValue<string>();
        Assert.StartsWith("mcp_", key, StringComparison.Ordinal);
        Assert.Equal(key[..enabled["keyPrefix"]!.GetValue<string>().Length], enabled["keyPrefix"]!.GetValue<string>());
        Assert.NotNull(enabled["apiKeyId"]);
        Assert.Equal(config, enabled["configId"]!.GetValue<string>());
        Assert.True((await CheckAsync(id, key)).IsValid);

        var again = await admin.PatchAsync(id, new { enabled = true });
        Assert.False(again.ContainsKey("apiKey"));
        var read = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);
        Assert.False(read.ContainsKey("apiKey"));
        Assert.DoesNotContain(key, read.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(enabled["apiKeyId"]!.GetValue<string>(), read["apiKeyId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Null_fields_are_preserved_and_disabling_keeps_the_key()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);

        var disabled = await admin.PatchAsync(id, new { enabled = false });

        Assert.False(disabled["enabled"]!.GetValue<bool>());
        Assert.Equal(config, disabled["configId"]!.GetValue<string>());
        Assert.Equal(new[] { "get_item", "list_items" }, disabled["exposedToolIds"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("CRM tools", disabled["description"]!.GetValue<string>());
        Assert.NotNull(disabled["keyPrefix"]);
        Assert.True((await CheckAsync(id, key)).IsValid);
        var reenabled = await admin.PatchAsync(id, new { enabled = true });
        Assert.False(reenabled.ContainsKey("apiKey")); // re-enabling does not mint: the distributed key keeps working
    }

    [Fact]
    public async Task Rotate_returns_a_new_key_once_and_the_old_one_is_refused_at_once()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var old = await admin.EnableAsync(id, config);

        var rotated = await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectAsync(HttpStatusCode.OK);

        var fresh = rotated["apiKey"]!.GetValue<string>();
        Assert.NotEqual(old, fresh);
        Assert.Equal(KeyCheckOutcome.Revoked, (await CheckAsync(id, old)).Outcome);
        Assert.True((await CheckAsync(id, fresh)).IsValid);
        Assert.True(rotated["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Rotate_before_mcp_was_ever_enabled_is_a_400()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);
        await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await admin.PatchAsync(id, new { description = "not enabled yet" });
        await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_tools_and_foreign_configs_are_field_errors()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);
        var (other, otherConfig) = await McpTestData.CreateAsync(admin);

        await (await admin.PatchAsJsonAsync(McpTestData.Mcp(id), new { exposedToolIds = new[] { "get_item", "nope" } })).ExpectValidationAsync("exposedToolIds");
        await (await admin.PatchAsJsonAsync(McpTestData.Mcp(id), new { configId = otherConfig })).ExpectValidationAsync("configId");
        await (await admin.PatchAsJsonAsync(McpTestData.Mcp(id), new { configId = Guid.NewGuid() })).ExpectValidationAsync("configId");

        var settings = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(settings["exposedToolIds"]!.AsArray());
        Assert.NotEqual(id, other);
    }

    [Fact]
    public async Task A_viewer_can_read_but_not_change_or_rotate()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(id, config);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.PatchAsJsonAsync(McpTestData.Mcp(id), new { enabled = false })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Another_tenant_gets_404()
    {
        using var admin = await app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);
        using var other = await app.OtherTenantClientAsync("mcp-other");

        await (await other.GetAsync(McpTestData.Mcp(id, "mcp-other"))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.PatchAsJsonAsync(McpTestData.Mcp(id, "mcp-other"), new { enabled = true })).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync(McpTestData.Mcp(id))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}

/// <summary>Deleting an integration ends its MCP server: its key is revoked and a new integration with the same id starts over.</summary>
public sealed class McpIntegrationDeleteTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Deleting_the_integration_revokes_its_mcp_key_and_drops_its_settings()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{ApiTestData.Base}/integrations/{id}")).StatusCode);

        var check = await app.Services.GetRequiredService<KeyEngine>().CheckAsync(KeyKind.McpKey, PortalApplication.Tenant, key, KeyOwner.ForMcp(id), null);
        Assert.Equal(KeyCheckOutcome.Revoked, check.Outcome);
        await admin.CreateIntegrationAsync(McpTestData.Integration(id));
        var fresh = await (await admin.GetAsync(McpTestData.Mcp(id))).ExpectAsync(HttpStatusCode.OK);
        Assert.False(fresh["enabled"]!.GetValue<bool>());
        Assert.Null(fresh["keyPrefix"]);
    }
}
