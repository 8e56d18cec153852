using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Webhooks;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Audit;

/// <summary>
/// The browser door: a component calls the Core service directly, with no HTTP adapter in between, and a Viewer's
/// refused change is audited all the same, exactly once, under the operation it refused.
/// </summary>
public sealed class RefusalAuditUiTests : PortalComponentTest, IClassFixture<WebhookPortal>
{
    private static readonly Actor Admin = new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);
    private readonly WebhookPortal _portal;

    public RefusalAuditUiTests(WebhookPortal portal)
    {
        _portal = portal;
        Context.Services.AddSingleton(portal.Services.GetRequiredService<Portal.Core.KeyLifecycle.KeyInventoryService>());
        Context.Services.AddSingleton(portal.Services.GetRequiredService<WebhookService>());
    }

    [Fact]
    public async Task A_viewers_click_on_generate_webhook_url_is_refused_and_audited_once()
    {
        string integration, config;
        using (var admin = await _portal.AdminAsync())
        {
            (integration, config) = await admin.NewConfigAsync();
        }

        var viewer = new Actor($"viewer-{Guid.NewGuid():N}@example.org", ActorKind.User, PortalApplication.Tenant, TenantRole.Viewer, "203.0.113.7");
        RenderPopoverProvider();
        Context.Render<MudBlazor.MudSnackbarProvider>();
        // The config page shows this button to Admins only (CanEdit); rendered here for a Viewer, as a page whose role
        // changed since it loaded would show it: the service refuses, whatever the page shows.
        var panel = Render<WebhookPanel>(p => p.Add(x => x.Actor, viewer).Add(x => x.IntegrationId, integration).Add(x => x.ConfigId, Guid.Parse(config))
            .Add(x => x.Ownership, WebhookOwnership.Config).Add(x => x.CanEdit, true));
        panel.WaitForAssertion(() => Assert.Contains("No webhook URL yet", panel.Markup));

        await panel.InvokeAsync(() => Button(panel, "Generate webhook URL").ClickAsync(new()));

        var audit = _portal.Services.GetRequiredService<AuditService>();
        var rows = (await audit.ListAsync(Admin, new AuditQuery(Actor: viewer.AuditName), Paging.From(0, 100))).Items;
        var row = Assert.Single(rows);
        Assert.Equal(("key.mint", $"integrations/{integration}/configs/{config}/webhook", AuditOutcomes.Denied, "203.0.113.7"), (row.Action, row.Target, row.Outcome, row.Ip));
        panel.WaitForAssertion(() => Assert.Contains("No webhook URL yet", panel.Markup)); // nothing was minted
    }
}
