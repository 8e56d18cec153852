using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Overview;
using Portal.Core.Retention;
using Portal.Core.Tenancy;
using Portal.Features.Notifications;
using Portal.Features.Overview;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components;

/// <summary>
/// The Notifications page against the real Core services: an Admin adds an endpoint and sees its secret once; a Viewer
/// reads the endpoints and their attempts without a button that changes anything; a URL Core refuses shows its message
/// under the URL field; an endpoint the portal disabled shows in a banner here and on the tenant's home page.
/// </summary>
public sealed class NotificationsPageTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public NotificationsPageTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<NotificationEndpointService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<OverviewService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<TenantAccess>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<StoreUsageService>());
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    private NotificationEndpointService Endpoints => _app.Services.GetRequiredService<NotificationEndpointService>();

    [Fact]
    public async Task An_admin_adds_an_endpoint_and_sees_its_secret_once_and_never_again_after_closing_the_dialog()
    {
        SignInAsAdmin();
        JSInterop.Setup<bool>("portalClipboard.copy", _ => true).SetResult(true);
        var dialogs = RenderDialogProvider();
        var page = Render<NotificationsPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        page.WaitForAssertion(() => Button(page, "Add endpoint"));
        var url = $"https://ops.example.com/{Guid.NewGuid():N}";

        await page.InvokeAsync(() => page.Find(".endpoint-url input").Input(url));
        await page.InvokeAsync(() => Button(page, "Add endpoint").Click());

        dialogs.WaitForAssertion(() => Assert.Contains("Notification endpoint added", dialogs.Markup, StringComparison.Ordinal));
        var field = dialogs.Find(".secret-value textarea, .secret-value input");
        var secret = field.GetAttribute("value") is { Length: > 0 } value ? value : field.TextContent;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var row = page.WaitForElement($"tr:has(button[aria-label='Delete {url}'])");
        Assert.Contains("All events", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("enabled", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("never", row.TextContent, StringComparison.Ordinal);
        var prefix = row.QuerySelector(".secret-prefix")!.TextContent.TrimEnd('…');
        Assert.StartsWith("whsec_", prefix, StringComparison.Ordinal);
        Assert.StartsWith(prefix, secret, StringComparison.Ordinal);
        Assert.True(prefix.Length < secret.Length);

        await dialogs.InvokeAsync(() => Button(dialogs, "Copy").Click());
        await dialogs.InvokeAsync(() => Button(dialogs, "Done").Click());

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        Assert.DoesNotContain(secret, dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll(".read-only-notice"));
    }

    [Fact]
    public async Task A_viewer_sees_the_endpoints_and_their_attempts_with_the_read_only_notice_but_no_button_that_changes_anything()
    {
        // An endpoint nothing listens at: its test event's attempt fails, and shows in the log.
        var url = $"http://127.0.0.1:9/{Guid.NewGuid():N}";
        var endpoint = (await Endpoints.CreateAsync(Admin, new NotificationEndpointInput { Url = url, EventTypes = [NotificationEvents.KeyLeaked] })).Value!;
        Assert.True((await Endpoints.SendTestAsync(Admin, endpoint.Id.ToString())).IsSuccess);
        await AttemptedAsync(endpoint.Id);
        SignInAsViewer();
        var page = Render<NotificationsPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));

        var row = page.WaitForElement($"tr:has(button[aria-label='Attempts of {url}'])");
        Assert.Contains(NotificationEvents.KeyLeaked, row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Read-only: you are a Viewer of this tenant.", page.Find(".read-only-notice").TextContent, StringComparison.Ordinal);
        await page.InvokeAsync(() => page.Find($"button[aria-label='Attempts of {url}']").Click());

        page.WaitForAssertion(() => Assert.Contains(NotificationEvents.Test, page.Find("table[aria-label=Attempts], [aria-label=Attempts] table").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() is "Add endpoint" or "Rotate secret" or "Delete" or "Resend" or "Send test event" or "Disable" or "Enable");
        Assert.Empty(page.FindAll(".endpoint-url input"));
    }

    [Fact]
    public async Task A_url_core_refuses_shows_its_message_under_the_url_field_and_no_secret_dialog_opens()
    {
        SignInAsAdmin();
        var dialogs = RenderDialogProvider();
        var page = Render<NotificationsPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        page.WaitForAssertion(() => Button(page, "Add endpoint"));

        await page.InvokeAsync(() => page.Find(".endpoint-url input").Input("ftp://files.example.com/events"));
        await page.InvokeAsync(() => Button(page, "Add endpoint").Click());

        page.WaitForAssertion(() => Assert.Contains("url must be an absolute http or https address", UrlField(page).TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("url must be", EventTypesField(page).TextContent, StringComparison.Ordinal);
        Assert.Empty(dialogs.FindAll(".mud-dialog"));
        Assert.DoesNotContain("ftp://files.example.com/events", page.Find("table[aria-label='Notification endpoints'], [aria-label='Notification endpoints'] table").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_the_portal_disabled_shows_in_a_banner_with_why_on_the_notifications_page_and_the_home_page()
    {
        var url = $"https://down.example.com/{Guid.NewGuid():N}";
        const string Reason = "Every delivery failed for 5 days (last answer: HTTP 503).";
        var endpoint = (await Endpoints.CreateAsync(Admin, new NotificationEndpointInput { Url = url })).Value!;
        await DisableAsSystemAsync(endpoint.Id, Reason);
        // One a person disabled is not the portal's doing: no banner for it.
        var byHand = $"https://paused.example.com/{Guid.NewGuid():N}";
        var paused = (await Endpoints.CreateAsync(Admin, new NotificationEndpointInput { Url = byHand })).Value!;
        Assert.True((await Endpoints.UpdateAsync(Admin, paused.Id.ToString(), new NotificationEndpointInput { Enabled = false })).IsSuccess);
        SignInAsAdmin();

        var page = Render<NotificationsPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        var banner = page.WaitForElement(".notification-disabled-banner");
        Assert.Equal("alert", banner.GetAttribute("role"));
        Assert.Contains(url, banner.TextContent, StringComparison.Ordinal);
        Assert.Contains(Reason, banner.TextContent, StringComparison.Ordinal);
        Assert.EndsWith($"/settings/notifications?endpoint={endpoint.Id}", banner.QuerySelector("a")!.GetAttribute("href"), StringComparison.Ordinal);
        Assert.DoesNotContain(byHand, banner.TextContent, StringComparison.Ordinal);
        page.WaitForElement($"tr:has(button[aria-label='Enable {byHand}'])");

        var home = Render<TenantHome>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        var homeBanner = home.WaitForElement(".notification-disabled-banner");
        Assert.Contains(url, homeBanner.TextContent, StringComparison.Ordinal);
        Assert.Contains(Reason, homeBanner.TextContent, StringComparison.Ordinal);
        Assert.Contains("Open its notifications", homeBanner.QuerySelector("a")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(byHand, homeBanner.TextContent, StringComparison.Ordinal);

        // Enabling it again (an Admin fixed the receiver) takes the banner away.
        await page.InvokeAsync(() => page.Find($"button[aria-label='Enable {url}']").Click());
        page.WaitForAssertion(() => Assert.DoesNotContain(url, string.Concat(page.FindAll(".notification-disabled-banner").Select(b => b.TextContent)), StringComparison.Ordinal));
    }

    private void SignInAsAdmin()
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(PortalApplication.AdminEmail);
        auth.SetClaims(new Claim(ClaimTypes.Email, PortalApplication.AdminEmail));
    }

    private void SignInAsViewer()
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("viewer-client");
        auth.SetClaims(new Claim(PortalClaims.Tenant, PortalApplication.Tenant), new Claim(PortalClaims.Role, nameof(TenantRole.Viewer)), new Claim(PortalClaims.ClientId, "viewer-client"));
    }

    /// <summary>Sends what is due (the app's own dispatcher may get there first) until the endpoint has an attempt.</summary>
    private async Task AttemptedAsync(Guid endpointId)
    {
        var dispatcher = _app.Services.GetRequiredService<NotificationDispatcher>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await dispatcher.RunOnceAsync();
            var attempts = await Endpoints.AttemptsAsync(Admin, endpointId.ToString(), new NotificationAttemptQuery(), Portal.Core.Common.Paging.From(0, 10));
            if (attempts.Value!.Total > 0)
            {
                return;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>What the dispatcher does after 5 days of failures, written to the store directly (test data only: no API disables for the system).</summary>
    private async Task DisableAsSystemAsync(Guid endpointId, string reason)
    {
        var factory = _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var endpoint = await db.NotificationEndpoints.SingleAsync(e => e.Id == endpointId);
        endpoint.Enabled = false;
        endpoint.DisabledAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        endpoint.DisabledReason = reason;
        await db.SaveChangesAsync();
    }

    private static IElement UrlField(IRenderedComponent<NotificationsPage> page) => page.Find(".endpoint-url").Closest(".mud-input-control") ?? page.Find(".endpoint-url");

    private static IElement EventTypesField(IRenderedComponent<NotificationsPage> page) => page.Find(".endpoint-event-types").Closest(".mud-input-control") ?? page.Find(".endpoint-event-types");
}
