using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Common;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Tenancy;

public sealed class MembersAndTenantsTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Adding_a_member_creates_a_local_account_whose_initial_password_is_shown_once_and_works()
    {
        using var admin = await app.ClientAsync();
        var added = await (await admin.PostAsJsonAsync("/v1/tenants/default/members", new { email = "new.viewer@example.com", role = "Admin" })).ExpectAsync(HttpStatusCode.OK);
        var password = added["initialPassword"]!.GetValue<string>();
        Assert.Equal("Admin", added["role"]!.GetValue<string>());

        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = await users.FindByEmailAsync("new.viewer@example.com");
            Assert.NotNull(user);
            Assert.True(await users.CheckPasswordAsync(user, password));
        }

        var list = await (await admin.GetAsync("/v1/tenants/default/members")).Content.ReadAsStringAsync();
        Assert.Contains("new.viewer@example.com", list, StringComparison.Ordinal);
        Assert.DoesNotContain(password, list, StringComparison.Ordinal);

        // Adding again changes the role and mints no second password.
        var again = await (await admin.PostAsJsonAsync("/v1/tenants/default/members", new { email = "new.viewer@example.com", role = "Viewer" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Viewer", again["role"]!.GetValue<string>());
        Assert.Null(again["initialPassword"]);
        Assert.DoesNotContain(password, app.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_members_list_is_paged_with_skip_and_take_by_email_and_says_the_total()
    {
        using var admin = await app.ClientAsync();
        foreach (var email in new[] { "paged.b@example.com", "paged.a@example.com" })
        {
            await (await admin.PostAsJsonAsync("/v1/tenants/default/members", new { email, role = "Viewer" })).ExpectAsync(HttpStatusCode.OK);
        }

        async Task<(List<string> Emails, int Total)> PageAsync(string query)
        {
            var page = await (await admin.GetAsync($"/v1/tenants/default/members?{query}")).ExpectAsync(HttpStatusCode.OK);
            return (page["items"]!.AsArray().Select(m => m!["email"]!.GetValue<string>()).ToList(), page["total"]!.GetValue<int>());
        }

        var (all, total) = await PageAsync("take=500");
        Assert.Equal(all.Count, total);
        Assert.True(total >= 3, $"{total} members");
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.Contains("paged.a@example.com", all);

        // One at a time, the pages add up to the whole list, each saying the same total.
        var oneByOne = new List<string>();
        for (var skip = 0; skip < total; skip++)
        {
            var (emails, pageTotal) = await PageAsync($"skip={skip}&take=1");
            Assert.Equal(total, pageTotal);
            oneByOne.Add(Assert.Single(emails));
        }

        Assert.Equal(all, oneByOne);
        var (beyond, beyondTotal) = await PageAsync($"skip={total}");
        Assert.Empty(beyond);
        Assert.Equal(total, beyondTotal);
    }

    [Fact]
    public async Task A_member_that_is_not_an_email_is_a_validation_problem()
    {
        using var admin = await app.ClientAsync();
        var problem = await (await admin.PostAsJsonAsync("/v1/tenants/default/members", new { email = "not-an-email", role = "Viewer" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["email"]);
    }

    [Fact]
    public async Task The_last_admin_cannot_be_removed()
    {
        using var admin = await app.ClientAsync();
        var members = await (await admin.GetAsync("/v1/tenants/default/members")).Content.ReadAsStringAsync();
        Assert.Equal(1, members.Split("\"Admin\"").Length - 1); // only the bootstrap admin is an Admin here
        var problem = await (await admin.DeleteAsync("/v1/tenants/default/members/admin@localhost")).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("last Admin", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_cannot_add_members()
    {
        using var viewer = await app.ClientWithRoleAsync("Viewer");
        await (await viewer.PostAsJsonAsync("/v1/tenants/default/members", new { email = "someone@example.com", role = "Admin" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Only_a_portal_administrator_creates_tenants_and_the_first_admin_becomes_a_member()
    {
        using var scope = app.Services.CreateScope();
        var tenants = scope.ServiceProvider.GetRequiredService<TenantService>();

        var refused = await tenants.CreateTenantAsync("someone@example.com", null, new TenantInput { Id = "acme" });
        Assert.Equal(ErrorKind.Forbidden, refused.Error?.Kind);

        var created = await tenants.CreateTenantAsync(PortalApplication.AdminEmail, "127.0.0.1", new TenantInput { Id = "acme", DisplayName = "Acme", FirstAdminEmail = "owner@acme.example" });
        Assert.True(created.IsSuccess, created.Error?.Detail);
        Assert.Equal("Acme", created.Value!.DisplayName);

        var duplicate = await tenants.CreateTenantAsync(PortalApplication.AdminEmail, null, new TenantInput { Id = "acme" });
        Assert.Equal(ErrorKind.Conflict, duplicate.Error?.Kind);

        var invalid = await tenants.CreateTenantAsync(PortalApplication.AdminEmail, null, new TenantInput { Id = "has spaces" });
        Assert.Equal(ErrorKind.Validation, invalid.Error?.Kind);

        var members = (await tenants.ListMembersAsync(new Actor("x", ActorKind.System, "acme", TenantRole.Admin, null), Paging.From(0, 10))).Items;
        Assert.Equal(TenantRole.Admin, Assert.Single(members).Role);
        Assert.Equal("owner@acme.example", members[0].Email);
    }

    [Fact]
    public async Task An_api_client_cannot_create_tenants()
    {
        using var admin = await app.ClientAsync();
        await (await admin.PostAsJsonAsync("/v1/tenants", new { id = "by-client" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_reference_ui_is_served_at_scalar()
    {
        using var http = app.CreateClient();
        var response = await http.GetAsync("/scalar/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }
}
