using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Retention;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>
/// Issue 18, "store size on an admin view": <c>GET /v1/store</c> answers the store's size and when it was measured to a
/// portal administrator; the store is shared by every tenant, so a tenant's Admin (person or API client) gets a 403
/// problem that says why, and an anonymous caller a 401.
/// </summary>
public sealed class StoreSizeApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task A_portal_administrator_reads_the_size_of_the_store_and_when_it_was_measured()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await app.Services.GetRequiredService<StoreSize>().RefreshAsync();
        using var administrator = await app.SignInAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);

        var store = await (await administrator.GetAsync("/v1/store")).ExpectAsync(HttpStatusCode.OK);

        Assert.True(store["bytes"]!.GetValue<long>() > 0, store.ToJsonString());
        Assert.InRange(store["measuredAt"]!.GetValue<long>(), before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_tenant_admin_who_is_not_a_portal_administrator_gets_a_403_problem_and_no_size()
    {
        const string email = "tenant.admin.store@example.com";
        using var admin = await app.ClientAsync();
        var added = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/members", new { email, role = "Admin" })).ExpectAsync(HttpStatusCode.OK);
        using var tenantAdmin = await app.SignInAsync(email, added["initialPassword"]!.GetValue<string>());
        await (await tenantAdmin.GetAsync($"{ApiTestData.Base}/members")).ExpectAsync(HttpStatusCode.OK); // an Admin of the tenant indeed

        foreach (var caller in new[] { tenantAdmin, admin })
        {
            using var response = await caller.GetAsync("/v1/store");
            var text = await response.Content.ReadAsStringAsync();
            var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal(StoreUsageService.OnlyPortalAdministrators, problem["detail"]!.GetValue<string>());
            Assert.DoesNotContain("bytes", text, StringComparison.Ordinal);
        }

        using var anonymous = app.CreateClient();
        await (await anonymous.GetAsync("/v1/store")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }
}
