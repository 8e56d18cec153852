using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Account;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Account;

/// <summary>
/// <c>POST /v1/tenants/{tenant}/members/{email}:resetPassword</c>: an Admin sets a new generated password for a member
/// (shown once) and ends their sessions; never for someone who is also in a tenant where the caller is not Admin.
/// </summary>
public sealed class PasswordResetTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Reset(string email, string tenant = PortalApplication.Tenant) => $"/v1/tenants/{tenant}/members/{email}:resetPassword";

    [Fact]
    public async Task An_admin_reset_gives_a_new_password_once_ends_sessions_and_audits_without_it()
    {
        using var admin = await app.ClientAsync();
        var email = AccountTestData.NewEmail("reset");
        var initial = await admin.AddMemberAsync(email);
        using var session = await app.SignInAsync(email, initial);

        var reset = await (await admin.PostAsync(Reset(email), null)).ExpectAsync(HttpStatusCode.OK);
        var password = reset["newPassword"]!.GetValue<string>();
        Assert.Equal(email, reset["email"]!.GetValue<string>());
        Assert.NotEqual(initial, password);

        Assert.Equal(HttpStatusCode.Unauthorized, await session.AccountStatusAsync());
        using var withOld = await app.Browser().PostLoginAsync(email, initial);
        Assert.Equal(HttpStatusCode.OK, withOld.StatusCode);
        using var withNew = await app.SignInAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, await withNew.AccountStatusAsync());

        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?action=member.resetPassword&target=members/{email}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, audit["total"]!.GetValue<int>());
        Assert.Equal($"client:{PortalApplication.AdminClientId}", audit["items"]![0]!["actor"]!.GetValue<string>());
        var everything = await (await admin.GetAsync("/v1/tenants/default/audit?take=500")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(password, app.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_is_refused_with_a_403_and_the_password_stays()
    {
        using var admin = await app.ClientAsync();
        var email = AccountTestData.NewEmail("kept");
        var initial = await admin.AddMemberAsync(email);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.PostAsync(Reset(email), null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await app.SignInAsync(email, initial);
    }

    [Fact]
    public async Task A_member_of_another_tenant_or_an_unknown_email_is_a_404()
    {
        using var other = await app.OtherTenantClientAsync("reset-b");
        var theirs = AccountTestData.NewEmail("theirs");
        var initial = await other.AddMemberAsync(theirs, tenant: "reset-b");
        using var admin = await app.ClientAsync();

        await (await admin.PostAsync(Reset(theirs), null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync(Reset(theirs, "reset-b"), null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync(Reset("nobody@example.test"), null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync(Reset(new string('a', 300) + "@example.test"), null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await app.SignInAsync(theirs, initial);
    }

    [Fact]
    public async Task An_admin_cannot_take_over_someone_who_is_admin_of_another_tenant()
    {
        // The victim is a mere Viewer here, but Admin of tenant B: resetting their password would hand B over.
        using var other = await app.OtherTenantClientAsync("takeover-b");
        var victim = AccountTestData.NewEmail("victim");
        var initial = await other.AddMemberAsync(victim, "Admin", tenant: "takeover-b");
        using var admin = await app.ClientAsync();
        await admin.AddMemberAsync(victim);

        var problem = await (await admin.PostAsync(Reset(victim), null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("another tenant where you are not an Admin", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await app.SignInAsync(victim, initial);
        var denied = await (await admin.GetAsync($"/v1/tenants/default/audit?action=member.resetPassword&target=members/{victim}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("denied", denied["items"]![0]!["outcome"]!.GetValue<string>());

        // A portal administrator's password is not a tenant Admin's to reset either.
        await (await admin.PostAsync(Reset(PortalApplication.AdminEmail), null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await app.SignInAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);
    }

    [Fact]
    public async Task A_person_who_is_admin_of_all_the_members_tenants_may_reset()
    {
        using var other = await app.OtherTenantClientAsync("shared-b");
        using var admin = await app.ClientAsync();
        var member = AccountTestData.NewEmail("shared");
        var boss = AccountTestData.NewEmail("boss");
        await other.AddMemberAsync(member, tenant: "shared-b");
        await admin.AddMemberAsync(member);
        await admin.AddMemberAsync(boss, "Admin");
        var accounts = app.Services.GetRequiredService<AccountService>();
        var asBoss = new Actor(boss, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

        var refused = await accounts.ResetMemberPasswordAsync(asBoss, member);
        Assert.Equal(Portal.Core.Common.ErrorKind.Forbidden, refused.Error?.Kind);

        await other.AddMemberAsync(boss, "Admin", tenant: "shared-b");
        var reset = await accounts.ResetMemberPasswordAsync(asBoss, member);
        Assert.True(reset.IsSuccess, reset.Error?.Describe());
        await app.SignInAsync(member, reset.Value!.NewPassword);

        var own = await accounts.ResetMemberPasswordAsync(asBoss, boss);
        Assert.Equal(Portal.Core.Common.ErrorKind.BadRequest, own.Error?.Kind);
    }
}

public sealed class PasswordResetConcurrencyTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Concurrent_resets_of_one_member_all_answer_and_the_last_password_works()
    {
        using var admin = await app.ClientAsync();
        var email = AccountTestData.NewEmail("busy");
        await admin.AddMemberAsync(email);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => admin.PostAsync($"/v1/tenants/default/members/{email}:resetPassword", null)));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.True(s is 200 or 409, string.Join(",", statuses) + "\n" + string.Join("\n", app.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).Take(3))));
        Assert.Contains(200, statuses);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
