using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Account;
using Portal.Core.Common;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Account;

/// <summary>A tenant's "require two-factor" setting: people without it are refused (403 with what to do), API clients are not.</summary>
public sealed class TwoFactorRequiredTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Security(string tenant) => $"/v1/tenants/{tenant}/security";

    [Fact]
    public async Task A_member_without_two_factor_is_refused_until_it_is_on_and_api_clients_are_not_affected()
    {
        const string tenant = "mfa-required";
        using var tenantAdmin = await app.OtherTenantClientAsync(tenant);
        var email = AccountTestData.NewEmail("member");
        var password = await tenantAdmin.AddMemberAsync(email, tenant: tenant);
        using var before = await app.SignInAsync(email, password);
        await (await before.GetAsync($"/v1/tenants/{tenant}/integrations")).ExpectAsync(HttpStatusCode.OK);

        var set = await (await tenantAdmin.PutAsJsonAsync(Security(tenant), new { requireTwoFactor = true })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(set["requireTwoFactor"]!.GetValue<bool>());

        var problem = await (await before.GetAsync($"/v1/tenants/{tenant}/integrations")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("This tenant requires two-factor sign-in; turn it on at /account.", problem["detail"]!.GetValue<string>());
        await (await before.GetAsync($"/v1/tenants/{tenant}/members")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        using (var page = await before.GetAsync($"/t/{tenant}/integrations"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Contains($"/account?required={tenant}", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        // Other tenants of the person, and API clients of this one, are untouched.
        using var admin = await app.ClientAsync();
        await admin.AddMemberAsync(email);
        await (await before.GetAsync("/v1/tenants/default/integrations")).ExpectAsync(HttpStatusCode.OK);
        await (await tenantAdmin.GetAsync($"/v1/tenants/{tenant}/integrations")).ExpectAsync(HttpStatusCode.OK);

        var (key, _) = await app.EnableTwoFactorAsync(email);
        using var after = app.Browser();
        await after.PostLoginAsync(email, password);
        await after.PostSecondFactorAsync(AccountTestData.Code(key));
        await (await after.GetAsync($"/v1/tenants/{tenant}/integrations")).ExpectAsync(HttpStatusCode.OK);

        await (await tenantAdmin.PutAsJsonAsync(Security(tenant), new { requireTwoFactor = false })).ExpectAsync(HttpStatusCode.OK);
        var read = await (await tenantAdmin.GetAsync(Security(tenant))).ExpectAsync(HttpStatusCode.OK);
        Assert.False(read["requireTwoFactor"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Only_an_admin_changes_the_setting_and_bad_bodies_are_400s()
    {
        using var viewer = await app.ClientWithRoleAsync("Viewer");
        await (await viewer.GetAsync(Security(PortalApplication.Tenant))).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.PutAsJsonAsync(Security(PortalApplication.Tenant), new { requireTwoFactor = true })).ExpectProblemAsync(HttpStatusCode.Forbidden);

        using var admin = await app.ClientAsync();
        var missing = await (await admin.PutAsJsonAsync(Security(PortalApplication.Tenant), new { })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("requireTwoFactor", missing["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await admin.PutAsJsonAsync(Security(PortalApplication.Tenant), new { requireTwoFactor = (bool?)null })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        using var wrongType = await admin.PutAsync(Security(PortalApplication.Tenant), new StringContent("{\"requireTwoFactor\":\"yes\"}", System.Text.Encoding.UTF8, "application/json"));
        await wrongType.ExpectProblemAsync(HttpStatusCode.BadRequest);

        using var other = await app.OtherTenantClientAsync("mfa-other");
        await (await other.GetAsync(Security(PortalApplication.Tenant))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.PutAsJsonAsync(Security(PortalApplication.Tenant), new { requireTwoFactor = true })).ExpectProblemAsync(HttpStatusCode.NotFound);
        var kept = await (await admin.GetAsync(Security(PortalApplication.Tenant))).ExpectAsync(HttpStatusCode.OK);
        Assert.False(kept["requireTwoFactor"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_person_cannot_require_two_factor_before_having_it_themselves()
    {
        using var admin = await app.ClientAsync();
        var email = AccountTestData.NewEmail("boss");
        await admin.AddMemberAsync(email, "Admin");
        var accounts = app.Services.GetRequiredService<AccountService>();
        var actor = new Actor(email, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

        var refused = await accounts.SetTenantSecurityAsync(actor, new TenantSecurityInput { RequireTwoFactor = true });
        Assert.Equal(ErrorKind.Conflict, refused.Error?.Kind);
        Assert.False((await accounts.GetTenantSecurityAsync(actor)).RequireTwoFactor);

        await app.EnableTwoFactorAsync(email);
        Assert.True((await accounts.SetTenantSecurityAsync(actor, new TenantSecurityInput { RequireTwoFactor = true })).IsSuccess);
        Assert.True((await accounts.SetTenantSecurityAsync(actor, new TenantSecurityInput { RequireTwoFactor = false })).IsSuccess);
    }
}
