using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Configs;

/// <summary>Deleting a config or an integration leaves nothing of it behind: no revision, binding, received event or MCP settings.</summary>
public sealed class ConfigRemovalTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    /// <summary>A per-binding config with a published revision, a binding with its URL, and one event received on it.</summary>
    internal static async Task<(string Integration, string Config)> ConfigWithChildrenAsync(HttpClient admin, HttpClient deliverer)
    {
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        await (await admin.PostAsync($"{ConfigPath(integration, config)}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var binding = await (await admin.PostAsJsonAsync($"{ConfigPath(integration, config)}/bindings", new { name = "eu" })).ExpectAsync(HttpStatusCode.Created);
        var bindingPath = $"{ConfigPath(integration, config)}/bindings/{binding["id"]!.GetValue<string>()}";
        var url = (await (await admin.PostAsync($"{bindingPath}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        await (await deliverer.PostAsync(new Uri(url).PathAndQuery, new StringContent("""{"event":"paid"}""", Encoding.UTF8, "application/json"))).ExpectAsync(HttpStatusCode.Accepted);
        return (integration, config);
    }

    /// <summary>Revisions, bindings and received events stored for the config.</summary>
    internal static async Task<int> ChildRowsAsync(IServiceProvider services, string config)
    {
        var id = Guid.Parse(config);
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.ConfigRevisions.CountAsync(r => r.ConfigId == id)
            + await db.WebhookBindings.CountAsync(b => b.ConfigId == id)
            + await db.WebhookEvents.CountAsync(e => e.ConfigId == id);
    }

    private async Task<int> McpSettingsRowsAsync(string integration)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.McpSettings.CountAsync(m => m.IntegrationId == integration);
    }

    [Fact]
    public async Task Deleting_a_config_deletes_its_revisions_bindings_and_received_events()
    {
        using var admin = await app.ClientAsync();
        using var deliverer = app.CreateClient();
        var (integration, config) = await ConfigWithChildrenAsync(admin, deliverer);
        Assert.Equal(3, await ChildRowsAsync(app.Services, config));

        await (await admin.DeleteAsync(ConfigPath(integration, config))).ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal(0, await ChildRowsAsync(app.Services, config));
    }

    [Fact]
    public async Task Deleting_an_integration_deletes_its_configs_children_and_mcp_settings()
    {
        using var admin = await app.ClientAsync();
        using var deliverer = app.CreateClient();
        var (integration, config) = await ConfigWithChildrenAsync(admin, deliverer);
        var (mcpIntegration, mcpConfig) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(mcpIntegration, mcpConfig);
        Assert.Equal(1, await McpSettingsRowsAsync(mcpIntegration));

        await (await admin.DeleteAsync($"{ApiTestData.Base}/integrations/{integration}")).ExpectAsync(HttpStatusCode.NoContent);
        await (await admin.DeleteAsync($"{ApiTestData.Base}/integrations/{mcpIntegration}")).ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal(0, await ChildRowsAsync(app.Services, config));
        Assert.Equal(0, await McpSettingsRowsAsync(mcpIntegration));
    }
}
