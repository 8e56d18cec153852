using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Account;
using Portal.Core.Tenancy;
using Portal.Features.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Account;

/// <summary>"Reset password" on the Members page: asks first (Cancel changes nothing), then shows the new password once.</summary>
public sealed class MembersPageResetTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public MembersPageResetTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<TenantService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<AccountService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<TenantAccess>());
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(PortalApplication.AdminEmail);
        auth.SetClaims(new Claim(ClaimTypes.Email, PortalApplication.AdminEmail));
    }

    [Fact]
    public async Task Cancel_keeps_the_password_and_confirming_shows_the_new_one_once()
    {
        using var admin = await _app.ClientAsync();
        var email = AccountTestData.NewEmail("page");
        var initial = await admin.AddMemberAsync(email);
        var provider = RenderDialogProvider();
        var page = Render<MembersPage>(p => p.Add(s => s.Tenant, PortalApplication.Tenant));
        page.WaitForAssertion(() => Assert.Contains(email, page.Markup, StringComparison.Ordinal));
        Assert.Empty(page.FindAll($"button[aria-label='Reset password of {PortalApplication.AdminEmail}']"));

        await page.InvokeAsync(() => page.Find($"button[aria-label='Reset password of {email}']").Click());
        provider.WaitForAssertion(() => Assert.Contains("signed out everywhere", provider.Markup, StringComparison.Ordinal));
        await provider.InvokeAsync(() => Button(provider, "Cancel").Click());
        await _app.SignInAsync(email, initial);

        await page.InvokeAsync(() => page.Find($"button[aria-label='Reset password of {email}']").Click());
        provider.WaitForAssertion(() => Assert.Contains("signed out everywhere", provider.Markup, StringComparison.Ordinal));
        await provider.InvokeAsync(() => Button(provider, "Reset password").Click());
        provider.WaitForAssertion(() => Assert.Contains($"New password for {email}", provider.Markup, StringComparison.Ordinal));
        var shown = provider.Find("textarea, input[readonly]").GetAttribute("value") ?? provider.Find("textarea").TextContent;
        Assert.False(string.IsNullOrEmpty(shown));
        await _app.SignInAsync(email, shown);
        Assert.DoesNotContain(shown, page.Markup, StringComparison.Ordinal);
    }
}
