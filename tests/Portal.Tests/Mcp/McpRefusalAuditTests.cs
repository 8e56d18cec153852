using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>
/// A refused MCP request is one audit row, on target <c>integrations/{id}/mcp</c>, whichever check refused it: the key
/// engine's (revoked, another integration's key) or the MCP gate's (scope, disabled). Not a second row from the other.
/// </summary>
public sealed class McpRefusalAuditTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    /// <summary>One JSON-RPC request (tools/list) with <paramref name="key"/>; its status.</summary>
    private async Task<HttpStatusCode> CallOnceAsync(string integration, string key)
    {
        using var raw = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, McpClients.Url(integration, "call"))
        {
            Content = JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "tools/list" }),
        };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await raw.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Every denied row of the tenant that names this key (by its display prefix, never the key).</summary>
    private static async Task<List<(string Action, string Target)>> DeniedRowsOfAsync(HttpClient admin, string key)
    {
        var page = await (await admin.GetAsync("/v1/tenants/default/audit?take=500")).ExpectAsync(HttpStatusCode.OK);
        return page["items"]!.AsArray()
            .Where(e => e!["outcome"]!.GetValue<string>() == "denied" && e["keyPrefix"]?.GetValue<string>() is { Length: > 0 } prefix && key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => (e!["action"]!.GetValue<string>(), e["target"]!.GetValue<string>()))
            .ToList();
    }

    [Fact]
    public async Task A_call_with_a_revoked_key_is_one_row()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var old = await admin.EnableAsync(id, config);
        await (await admin.PostAsync($"{McpTestData.Mcp(id)}:rotateKey", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Unauthorized, await CallOnceAsync(id, old));

        Assert.Equal([("mcp.refused.revoked", $"integrations/{id}/mcp")], await DeniedRowsOfAsync(admin, old));
    }

    [Fact]
    public async Task A_call_with_another_integrations_key_is_one_row_on_the_integration_called()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(id, config);
        var (sibling, siblingConfig) = await McpTestData.CreateAsync(admin);
        var siblingKey = await admin.EnableAsync(sibling, siblingConfig);

        Assert.Equal(HttpStatusCode.Unauthorized, await CallOnceAsync(id, siblingKey));

        Assert.Equal([("mcp.refused.wrongowner", $"integrations/{id}/mcp")], await DeniedRowsOfAsync(admin, siblingKey));
    }

    [Fact]
    public async Task A_call_with_a_key_without_the_scope_is_one_row()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var owner = KeyOwner.ForMcp(id).Stored;
            await db.IssuedKeys.Where(k => k.OwnerId == owner).ExecuteUpdateAsync(s => s.SetProperty(k => k.Scopes, "webhooks:manage"));
        }

        Assert.Equal(HttpStatusCode.Forbidden, await CallOnceAsync(id, key));

        Assert.Equal([("mcp.refused.scope", $"integrations/{id}/mcp")], await DeniedRowsOfAsync(admin, key));
    }

    [Fact]
    public async Task A_call_while_disabled_is_one_row()
    {
        using var admin = await app.ClientAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);
        var key = await admin.EnableAsync(id, config);
        await admin.PatchAsync(id, new { enabled = false });

        Assert.Equal(HttpStatusCode.Forbidden, await CallOnceAsync(id, key));

        Assert.Equal([("mcp.refused.disabled", $"integrations/{id}/mcp")], await DeniedRowsOfAsync(admin, key));
    }
}
