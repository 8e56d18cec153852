using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Shared;
using Portal.Core.Notifications;
using Portal.Core.Overview;
using Portal.Core.Retention;
using Portal.Core.Tenancy;
using Portal.Features.Overview;
using Portal.Features.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components;

/// <summary>
/// Issue 18, "store size on the home page": a portal administrator sees the store's size and when it was measured on the
/// tenant home page and the Tenants page; a tenant's Admin who does not administer the portal sees neither (the store is
/// shared by every tenant). The portal's own sweeper is left out, so the test decides when the store is measured.
/// </summary>
public sealed class StoreSizeVisibilityTests : PortalComponentTest, IClassFixture<StoreSizeVisibilityTests.UnmeasuredPortal>
{
    private readonly PortalApplication _app;

    public StoreSizeVisibilityTests(UnmeasuredPortal portal)
    {
        _app = portal.App;
        foreach (var service in new[] { typeof(OverviewService), typeof(NotificationEndpointService), typeof(StoreUsageService), typeof(TenantAccess), typeof(TenantService) })
        {
            Context.Services.AddSingleton(service, _app.Services.GetRequiredService(service));
        }
    }

    [Fact]
    public async Task A_portal_administrator_sees_the_store_size_and_when_it_was_measured_on_the_home_and_tenants_pages()
    {
        SignIn(PortalApplication.AdminEmail);
        var unmeasured = Render<TenantHome>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        Assert.Equal("Store: not measured yet · shared by every tenant, shown to portal administrators", Line(unmeasured.WaitForElement(".store-size").TextContent));

        var bytes = await _app.Services.GetRequiredService<StoreSize>().RefreshAsync();
        var reading = _app.Services.GetRequiredService<StoreSize>().Reading!;
        Assert.Equal(bytes, reading.Bytes);
        Assert.True(reading.Bytes > 0);
        var expected = $"Store: {StoreSizeLine.Size(reading.Bytes)} (measured {TenantPage.When(reading.At)}) · shared by every tenant, shown to portal administrators";

        var home = Render<TenantHome>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        Assert.Equal(expected, Line(home.WaitForElement(".store-size").TextContent));
        var tenants = Render<TenantsPage>();
        Assert.Equal(expected, Line(tenants.WaitForElement(".store-size").TextContent));
    }

    [Fact]
    public async Task A_tenant_admin_who_does_not_administer_the_portal_sees_no_store_size()
    {
        const string email = "home.admin@example.com";
        var system = new Actor("test", ActorKind.System, PortalApplication.Tenant, TenantRole.Admin, null);
        Assert.True((await _app.Services.GetRequiredService<TenantService>().AddMemberAsync(system, new MemberInput { Email = email, Role = TenantRole.Admin })).IsSuccess);
        SignIn(email);

        var home = Render<TenantHome>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        home.WaitForElement("#counts-title"); // loaded: the page decides on the store before it shows anything
        Assert.Empty(home.FindAll(".store-size"));
        Assert.DoesNotContain("Store:", home.Markup, StringComparison.Ordinal);

        var tenants = Render<TenantsPage>();
        tenants.WaitForAssertion(() => Assert.Contains("(default)", tenants.Markup, StringComparison.Ordinal));
        Assert.Empty(tenants.FindAll(".store-size"));
        Assert.Empty(tenants.FindAll("button")); // nor the portal administrator's "Create tenant"
    }

    private void SignIn(string email)
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(email);
        auth.SetClaims(new Claim(ClaimTypes.Email, email));
    }

    private static string Line(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The portal without its retention sweeper, which measures the store at start: here the test measures it.</summary>
    public sealed class UnmeasuredPortal : IDisposable
    {
        public PortalApplication App { get; } = new()
        {
            TestServices = services => services.Remove(services.Single(d => d.ImplementationType == typeof(RetentionSweeper))),
        };

        public void Dispose() => App.Dispose();
    }
}
