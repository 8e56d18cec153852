using System.Net;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Webhooks;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Webhooks;

/// <summary>The webhook panel on the config page, over the real WebhookService and store.</summary>
public sealed class WebhookPanelTests : PortalComponentTest, IClassFixture<WebhookPortal>
{
    private static readonly Actor Admin = new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);
    private readonly WebhookPortal _portal;

    public WebhookPanelTests(WebhookPortal portal)
    {
        _portal = portal;
        Context.Services.AddSingleton(portal.Services.GetRequiredService<Portal.Core.KeyLifecycle.KeyInventoryService>());
        Context.Services.AddSingleton(portal.Services.GetRequiredService<WebhookService>());
        JSInterop.Setup<bool>("portalClipboard.copy", _ => true).SetResult(true);
    }

    private async Task<(string Integration, Guid Config)> NewConfigAsync(string ownership = "CONFIG")
    {
        using var admin = await _portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync(ownership);
        return (integration, Guid.Parse(config));
    }

    private IRenderedComponent<WebhookPanel> RenderPanel(string integration, Guid config, bool canEdit = true, WebhookOwnership ownership = WebhookOwnership.Config) =>
        Render<WebhookPanel>(p => p.Add(x => x.Actor, Admin).Add(x => x.IntegrationId, integration).Add(x => x.ConfigId, config)
            .Add(x => x.Ownership, ownership).Add(x => x.CanEdit, canEdit));

    [Fact]
    public async Task Generate_shows_the_new_url_only_in_the_secret_once_dialog_and_then_the_prefix()
    {
        var (integration, config) = await NewConfigAsync();
        var provider = RenderDialogProvider();
        var panel = RenderPanel(integration, config);
        panel.WaitForAssertion(() => Assert.Contains("No webhook URL yet", panel.Markup));

        var click = panel.InvokeAsync(() => Button(panel, "Generate webhook URL").ClickAsync(new()));

        provider.WaitForAssertion(() => Assert.Contains($"http://localhost/webhooks/default/{integration}/whk_", provider.Markup));
        var field = provider.Find(".secret-value textarea, .secret-value input");
        var url = field.GetAttribute("value") ?? field.TextContent;
        Assert.DoesNotContain(url, panel.Markup, StringComparison.Ordinal);
        await provider.InvokeAsync(() => Button(provider, "Copy").ClickAsync(new()));
        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));
        await click;

        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        Assert.DoesNotContain(url, provider.Markup, StringComparison.Ordinal);
        panel.WaitForAssertion(() => Assert.Contains($"{url[(url.LastIndexOf('/') + 1)..][..12]}…", panel.Markup));
        Assert.DoesNotContain(url[(url.LastIndexOf('/') + 1)..], panel.Markup, StringComparison.Ordinal);
        Assert.NotNull(Button(panel, "Rotate webhook URL"));
        Assert.Contains("never", panel.Find("[aria-label='Webhook key']").TextContent);
    }

    [Fact]
    public async Task Rotate_asks_for_a_confirmation_that_says_when_the_previous_url_stops_working_and_cancel_keeps_the_key()
    {
        var (integration, config) = await NewConfigAsync();
        using (var admin = await _portal.AdminAsync())
        {
            await admin.GeneratedUrlAsync(integration, config.ToString());
        }

        var provider = RenderDialogProvider();
        var panel = RenderPanel(integration, config);
        panel.WaitForAssertion(() => Assert.NotNull(Button(panel, "Rotate webhook URL")));
        var prefixBefore = panel.Find("[aria-label='Webhook key'] code").TextContent;

        var click = panel.InvokeAsync(() => Button(panel, "Rotate webhook URL").ClickAsync(new()));

        // The confirmation says what happens to the previous URL and asks when; the default is "now".
        provider.WaitForAssertion(() => Assert.Contains("Deliveries to the previous URL are refused once it stops working", provider.Markup));
        Assert.Contains("re-register the new URL with the provider", provider.Markup);
        Assert.Contains("Now: the current one stops working at once", provider.Markup);
        await provider.InvokeAsync(() => Button(provider, "Cancel").ClickAsync(new()));
        await click;
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        Assert.Equal(prefixBefore, panel.Find("[aria-label='Webhook key'] code").TextContent);
        using var http = await _portal.AdminAsync();
        var keys = await (await http.GetAsync($"{WebhookApi.ConfigPath(integration, config.ToString())}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, keys["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Confirming_the_rotation_shows_the_new_url_once_and_the_panel_the_new_prefix()
    {
        var (integration, config) = await NewConfigAsync();
        using (var admin = await _portal.AdminAsync())
        {
            await admin.GeneratedUrlAsync(integration, config.ToString());
        }

        var provider = RenderDialogProvider();
        var panel = RenderPanel(integration, config);
        panel.WaitForAssertion(() => Assert.NotNull(Button(panel, "Rotate webhook URL")));
        var prefixBefore = panel.Find("[aria-label='Webhook key'] code").TextContent;

        var click = panel.InvokeAsync(() => Button(panel, "Rotate webhook URL").ClickAsync(new()));
        provider.WaitForAssertion(() => Assert.NotNull(Button(provider, "Rotate")));
        await provider.InvokeAsync(() => Button(provider, "Rotate").ClickAsync(new()));

        provider.WaitForAssertion(() => Assert.Contains("New webhook URL", provider.Markup));
        await provider.InvokeAsync(() => Button(provider, "Copy").ClickAsync(new()));
        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));
        await click;
        panel.WaitForAssertion(() => Assert.NotEqual(prefixBefore, panel.Find("[aria-label='Webhook key'] code").TextContent));
    }

    [Fact]
    public async Task A_viewer_sees_the_events_link_but_no_generate_or_rotate_button()
    {
        var (integration, config) = await NewConfigAsync();
        var panel = RenderPanel(integration, config, canEdit: false);
        panel.WaitForAssertion(() => Assert.Contains("No webhook URL yet", panel.Markup));

        Assert.DoesNotContain(panel.FindAll("button"), b => b.TextContent.Contains("webhook URL", StringComparison.Ordinal));
        Assert.Contains("/events", panel.Find("a").GetAttribute("href"));
    }

    [Fact]
    public async Task A_per_binding_integration_lists_bindings_with_their_own_generate_buttons()
    {
        var (integration, config) = await NewConfigAsync("PER_BINDING");
        using (var admin = await _portal.AdminAsync())
        {
            await admin.PostAsync($"{WebhookApi.ConfigPath(integration, config.ToString())}/bindings", System.Net.Http.Json.JsonContent.Create(new { name = "eu-shop" }));
        }

        var panel = RenderPanel(integration, config, ownership: WebhookOwnership.PerBinding);

        panel.WaitForAssertion(() => Assert.Contains("eu-shop", panel.Markup));
        Assert.Single(panel.FindAll("button[aria-label='Generate webhook URL for eu-shop']"));
        Assert.DoesNotContain(panel.FindAll("button"), b => b.TextContent.Trim() == "Generate webhook URL");
    }
}
