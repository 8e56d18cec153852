using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>mcp:call and mcp:test with the C# SDK's McpClient: tools, sandbox determinism, real upstream calls, key and enabled checks.</summary>
public sealed class McpEndpointTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    [Fact]
    public async Task Initialize_and_tools_list_show_only_the_exposed_tools_on_both_endpoints()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);

        foreach (var action in new[] { "test", "call" })
        {
            await using var client = await McpClients.ConnectAsync(app, id, key, action);
            Assert.Equal("CRM tools", client.ServerInstructions);
            var tools = await client.ListToolsAsync();
            Assert.Equal(new[] { "get_item", "list_items" }, tools.Select(t => t.Name).Order());
            Assert.Equal("Tool get_item", tools.Single(t => t.Name == "get_item").Title);
        }

        await admin.PatchAsync(id, new { exposedToolIds = new[] { "hidden_tool" } });
        await using var after = await McpClients.ConnectAsync(app, id, key);
        Assert.Equal(new[] { "hidden_tool" }, (await after.ListToolsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task The_sandbox_is_deterministic_and_uses_the_simulator_template()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);
        await using var client = await McpClients.ConnectAsync(app, id, key);

        var templated = await client.CallToolAsync("get_item", new Dictionary<string, object?> { ["id"] = "42" });
        Assert.Equal("""{"id":"42","name":"sample"}""", Text(templated));

        var first = Text(await client.CallToolAsync("list_items", new Dictionary<string, object?> { ["id"] = "a", ["count"] = 3 }));
        var second = Text(await client.CallToolAsync("list_items", new Dictionary<string, object?> { ["count"] = 3, ["id"] = "a" }));
        var other = Text(await client.CallToolAsync("list_items", new Dictionary<string, object?> { ["id"] = "b", ["count"] = 3 }));
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        var generated = JsonNode.Parse(first)!.AsObject();
        Assert.Equal(System.Text.Json.JsonValueKind.String, JsonValueKind(generated["id"]));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, JsonValueKind(generated["count"]));

        await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("hidden_tool", new Dictionary<string, object?> { ["id"] = "1" }).AsTask());
    }

    private static System.Text.Json.JsonValueKind JsonValueKind(JsonNode? node) => node!.GetValueKind();

    [Fact]
    public async Task The_real_endpoint_calls_the_upstream_with_the_published_revision_and_its_secret()
    {
        await using var upstream = await ItemsUpstream.StartAsync();
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin, upstream.BaseUrl);
        var key = await admin.EnableAsync(id, config);
        await using var client = await McpClients.ConnectAsync(app, id, key, "call");

        var unpublished = await client.CallToolAsync("get_item", new Dictionary<string, object?> { ["id"] = "7" });
        Assert.True(unpublished.IsError);
        Assert.Contains("published", Text(unpublished), StringComparison.Ordinal);

        await (await admin.PostAsync($"/v1/tenants/default/integrations/{id}/configs/{config}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var result = await client.CallToolAsync("get_item", new Dictionary<string, object?> { ["id"] = "7" });
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("""{"id":"7","key":"upstream-secret-token"}""", Text(result));
        Assert.Equal("""{"count":"5"}""", Text(await client.CallToolAsync("list_items", new Dictionary<string, object?> { ["id"] = "x", ["count"] = 5 })));

        // A draft change is not used until it is published.
        await (await admin.PatchAsJsonAsync($"/v1/tenants/default/integrations/{id}/configs/{config}", new { parameters = new { baseUrl = $"{upstream.BaseUrl}/down" } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("""{"id":"8","key":"upstream-secret-token"}""", Text(await client.CallToolAsync("get_item", new Dictionary<string, object?> { ["id"] = "8" })));
        await (await admin.PostAsync($"/v1/tenants/default/integrations/{id}/configs/{config}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var failed = await client.CallToolAsync("get_item", new Dictionary<string, object?> { ["id"] = "9" });
        Assert.True(failed.IsError);
        Assert.Contains("503", Text(failed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotation_refuses_the_old_key_on_the_next_request()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var old = await admin.EnableAsync(id, config);
        Assert.Null(await McpClients.RefusalAsync(app, id, old));

        var fresh = (await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectAsync(HttpStatusCode.OK))["apiKey"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(app, id, old));
        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(app, id, old, "call"));
        Assert.Null(await McpClients.RefusalAsync(app, id, fresh));
        Assert.Null(await McpClients.RefusalAsync(app, id, fresh, "call"));
        Assert.DoesNotContain(old, app.Logs.All, StringComparison.Ordinal); // neither key reaches a log line
        Assert.DoesNotContain(fresh, app.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_is_refused_and_re_enabling_accepts_the_key_already_handed_out()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);

        await admin.PatchAsync(id, new { enabled = false });
        Assert.Equal(HttpStatusCode.Forbidden, await McpClients.RefusalAsync(app, id, key));
        Assert.Equal(HttpStatusCode.Forbidden, await McpClients.RefusalAsync(app, id, key, "call"));

        await admin.PatchAsync(id, new { enabled = true });
        Assert.Null(await McpClients.RefusalAsync(app, id, key));
        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?action=mcp.refused.disabled&target=integrations/{id}/mcp")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, audit["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Keys_of_another_integration_or_tenant_and_bad_keys_are_refused_and_audited()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(id, config);
        var (sibling, siblingConfig) = await McpTestData.CreateAsync(admin);
        var siblingKey = await admin.EnableAsync(sibling, siblingConfig);
        using var other = await app.OtherTenantClientAsync("mcp-other-tenant");
        var (foreign, foreignConfig) = await McpTestData.CreateAsync(other, tenant: "mcp-other-tenant");
        var foreignKey = (await (await other.PatchAsJsonAsync(McpTestData.Mcp(foreign, "mcp-other-tenant"), new { enabled = true, configId = foreignConfig })).ExpectAsync(HttpStatusCode.OK))["apiKey"]!.GetValue<string>();

        Assert.Null(await McpClients.RefusalAsync(app, foreign, foreignKey, tenant: "mcp-other-tenant"));
        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(app, id, foreignKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(app, foreign, foreignKey)); // right integration id, wrong tenant in the route
        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(app, id, siblingKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(app, id, "mcp_not-a-key"));

        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?target=integrations/{id}/mcp&take=100")).ExpectAsync(HttpStatusCode.OK);
        var refused = audit["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()).Where(a => a.StartsWith("mcp.refused", StringComparison.Ordinal)).ToList();
        Assert.True(refused.Count >= 3, string.Join(",", refused));
        Assert.DoesNotContain(foreignKey, audit.ToJsonString(), StringComparison.Ordinal);
    }
}
