using System.Text.RegularExpressions;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Mcp;
using Portal.Core.Configs;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mcp;

/// <summary>The MCP tab: enabling shows the key once with a client snippet, rotation is confirmed, a Viewer cannot change anything.</summary>
public sealed partial class McpTabTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public McpTabTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<McpSettingsService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<Portal.Core.KeyLifecycle.KeyInventoryService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<ConfigService>());
        JSInterop.Setup<bool>("portalClipboard.copy", _ => true).SetResult(true);
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    [GeneratedRegex("mcp_[A-Za-z0-9]{20,}")]
    private static partial Regex McpKey();

    private async Task<IntegrationView> IntegrationAsync()
    {
        using var admin = await _app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);
        return (await _app.Services.GetRequiredService<IntegrationService>().GetAsync(Admin, id)).Value!;
    }

    private Task<KeyCheck> CheckAsync(string integration, string key) =>
        _app.Services.GetRequiredService<KeyEngine>().CheckAsync(KeyKind.McpKey, PortalApplication.Tenant, key, KeyOwner.ForMcp(integration), null);

    [Fact]
    public async Task Enabling_shows_the_key_once_with_a_client_snippet_and_afterwards_only_its_prefix()
    {
        var integration = await IntegrationAsync();
        var provider = RenderDialogProvider();
        var tab = Render<McpTab>(p => p.Add(t => t.Actor, Admin).Add(t => t.Integration, integration));
        tab.WaitForAssertion(() => Assert.Contains("mcp:call", tab.Find("code.mcp-call-url").TextContent, StringComparison.Ordinal));
        Assert.Contains(tab.FindAll("label"), l => l.TextContent.Contains("get_item", StringComparison.Ordinal));

        await tab.InvokeAsync(() => tab.Find("input[aria-label='Enable MCP']").Change(true));
        await tab.InvokeAsync(() => Button(tab, "Save MCP settings").Click());

        provider.WaitForAssertion(() => Assert.Matches(McpKey(), provider.Markup));
        var key = McpKey().Match(provider.Markup).Value;
        Assert.True((await CheckAsync(integration.Id, key)).IsValid);
        var snippet = provider.Find(".mcp-client-snippet textarea").GetAttribute("value") ?? provider.Find(".mcp-client-snippet textarea").TextContent;
        Assert.Contains($"Bearer {key}", snippet, StringComparison.Ordinal);
        Assert.Contains($"/integrations/{integration.Id}/mcp:call", snippet, StringComparison.Ordinal);
        Assert.DoesNotContain(key, tab.Markup, StringComparison.Ordinal); // the key is in the dialog only

        await provider.InvokeAsync(() => Button(provider, "Copy").Click());
        await provider.InvokeAsync(() => Button(provider, "Done").Click());
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        tab.WaitForAssertion(() => Assert.Contains(key[..12], tab.Find("code.key-prefix").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(key, provider.Markup + tab.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_asks_first_then_shows_the_new_key_once_and_the_old_one_is_revoked()
    {
        var integration = await IntegrationAsync();
        var enabled = await _app.Services.GetRequiredService<McpSettingsService>().UpdateAsync(Admin, integration.Id, new McpSettingsInput { Enabled = true }, "http://localhost");
        var old = enabled.Value!.ApiKey!;
        var provider = RenderDialogProvider();
        var tab = Render<McpTab>(p => p.Add(t => t.Actor, Admin).Add(t => t.Integration, integration));
        tab.WaitForAssertion(() => Assert.Contains(old[..12], tab.Markup, StringComparison.Ordinal));

        await tab.InvokeAsync(() => Button(tab, "Rotate key").Click());
        provider.WaitForAssertion(() => Assert.Contains("stops working now", provider.Markup, StringComparison.Ordinal));
        Assert.True((await CheckAsync(integration.Id, old)).IsValid); // nothing happens before the confirmation

        await provider.InvokeAsync(() => Button(provider, "Rotate").Click());
        provider.WaitForAssertion(() => Assert.Contains(provider.FindAll(".mcp-client-snippet"), _ => true));
        var fresh = McpKey().Matches(provider.Markup).Select(m => m.Value).Distinct().Single();
        Assert.NotEqual(old, fresh);
        Assert.Equal(KeyCheckOutcome.Revoked, (await CheckAsync(integration.Id, old)).Outcome);

        await provider.InvokeAsync(() => Button(provider, "Done").Click());
        await provider.InvokeAsync(() => Button(provider, "Close without copying").Click());
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        Assert.DoesNotContain(fresh, provider.Markup + tab.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_sees_the_settings_but_no_save_or_rotate()
    {
        var integration = await IntegrationAsync();
        await _app.Services.GetRequiredService<McpSettingsService>().UpdateAsync(Admin, integration.Id, new McpSettingsInput { Enabled = true }, "http://localhost");
        var viewer = Admin with { Role = TenantRole.Viewer };

        var tab = Render<McpTab>(p => p.Add(t => t.Actor, viewer).Add(t => t.Integration, integration));

        tab.WaitForAssertion(() => Assert.Contains("mcp_", tab.Find("code.key-prefix").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(tab.FindAll("button"), b => b.TextContent.Contains("Save", StringComparison.Ordinal) || b.TextContent.Contains("Rotate", StringComparison.Ordinal));
    }
}
