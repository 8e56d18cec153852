using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.SigningSecrets;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.SigningSecrets;

/// <summary>The signing secrets page as the bootstrap admin sees it: prefixes in the list, a token only in the dialog.</summary>
public sealed class SigningSecretsPageTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public SigningSecretsPageTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<Portal.Core.KeyLifecycle.KeyInventoryService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<SigningSecretService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<TenantAccess>());
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(PortalApplication.AdminEmail);
        auth.SetClaims(new Claim(ClaimTypes.Email, PortalApplication.AdminEmail));
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    [Fact]
    public async Task Rotating_asks_first_warns_that_the_old_token_stops_now_and_shows_the_new_token_once()
    {
        var name = SigningSecretTestData.NewName("page");
        var old = (await _app.Services.GetRequiredService<SigningSecretService>().CreateAsync(Admin, new SigningSecretInput { Name = name })).Value!.Token;
        var provider = RenderDialogProvider();
        var page = Render<SigningSecretsPage>(p => p.Add(s => s.Tenant, PortalApplication.Tenant));
        page.WaitForAssertion(() => Assert.Contains(old[..14], page.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain(old, page.Markup, StringComparison.Ordinal);

        await page.InvokeAsync(() => page.Find($"button[aria-label='Rotate {name}']").Click());
        // The confirmation says what happens to the old token and offers when; the default is "now".
        provider.WaitForAssertion(() => Assert.Contains("refused once it stops working", provider.Markup, StringComparison.Ordinal));
        Assert.Contains("Now: the current one stops working at once", provider.Markup, StringComparison.Ordinal);
        Assert.Equal(new[] { old }, await _app.UsableTokensAsync(name));

        await provider.InvokeAsync(() => Button(provider, "Rotate").Click());
        // The click's handler commits the rotation asynchronously (on PostgreSQL it can still be in flight here): wait
        // for the store to hold exactly one usable token that is not the old one, then for the dialog to show it.
        var fresh = old;
        for (var attempt = 0; attempt < 200 && fresh == old; attempt++)
        {
            var usable = await _app.UsableTokensAsync(name);
            if (usable is [var only] && only != old)
            {
                fresh = only;
            }
            else
            {
                await Task.Delay(25);
            }
        }

        Assert.NotEqual(old, fresh);
        provider.WaitForAssertion(() => Assert.Contains(fresh, provider.Markup, StringComparison.Ordinal));
        await provider.InvokeAsync(() => Button(provider, "Done").Click());
        await provider.InvokeAsync(() => Button(provider, "Close without copying").Click());

        page.WaitForAssertion(() => Assert.Contains(fresh[..14], page.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain(fresh, provider.Markup + page.Markup, StringComparison.Ordinal);
    }
}
