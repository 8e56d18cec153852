using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Account;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Account;

/// <summary>Two-factor sign-in with an authenticator app: the password alone gives no session; a code or a recovery code (once) does.</summary>
public sealed class TwoFactorSignInTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private async Task<(string Email, string Password, string Key, IReadOnlyList<string> Codes)> MemberWithTwoFactorAsync()
    {
        using var admin = await app.ClientAsync();
        var email = AccountTestData.NewEmail("mfa");
        var password = await admin.AddMemberAsync(email);
        var (key, codes) = await app.EnableTwoFactorAsync(email);
        return (email, password, key, codes);
    }

    [Fact]
    public async Task The_password_alone_gives_no_session_the_code_does()
    {
        var (email, password, key, codes) = await MemberWithTwoFactorAsync();
        Assert.Equal(RecoveryCodes.Count, codes.Count);
        Assert.Equal(codes.Count, codes.Distinct().Count());

        using var browser = app.Browser();
        using var first = await browser.PostLoginAsync(email, password);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Contains("/account/login/two-factor", first.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.AccountStatusAsync());
        using (var tenantPage = await browser.GetAsync("/v1/tenants/default/integrations"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tenantPage.StatusCode);
        }

        using var wrong = await browser.PostSecondFactorAsync("000000" == AccountTestData.Code(key) ? "111111" : "000000");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("wrong or has expired", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.AccountStatusAsync());

        using var right = await browser.PostSecondFactorAsync(AccountTestData.Code(key));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var account = await (await browser.GetAsync("/v1/account")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(account["twoFactorEnabled"]!.GetValue<bool>());
        Assert.Equal(10, account["recoveryCodesLeft"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once()
    {
        var (email, password, _, codes) = await MemberWithTwoFactorAsync();

        using var browser = app.Browser();
        await browser.PostLoginAsync(email, password);
        using var used = await browser.PostSecondFactorAsync(codes[3].ToLowerInvariant());
        Assert.True(HttpStatusCode.Redirect == used.StatusCode, codes[3] + " " + await used.Content.ReadAsStringAsync());
        var account = await (await browser.GetAsync("/v1/account")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(9, account["recoveryCodesLeft"]!.GetValue<int>());

        using var again = app.Browser();
        await again.PostLoginAsync(email, password);
        using var reused = await again.PostSecondFactorAsync(codes[3]);
        Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await again.AccountStatusAsync());
        using var another = await again.PostSecondFactorAsync(codes[4]);
        Assert.True(HttpStatusCode.Redirect == another.StatusCode, codes[4] + " " + System.Text.RegularExpressions.Regex.Match(await another.Content.ReadAsStringAsync(), "role=\"alert\"[^<]*").Value);
    }

    [Fact]
    public async Task The_second_step_without_the_password_step_gives_nothing()
    {
        var (_, _, key, _) = await MemberWithTwoFactorAsync();
        using var browser = app.Browser();
        using var response = await browser.PostSecondFactorAsync(AccountTestData.Code(key));
        Assert.Contains("sign-in has expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.AccountStatusAsync());
    }

    [Fact]
    public async Task Keys_and_recovery_codes_are_not_stored_in_clear_nor_logged()
    {
        var (email, _, key, codes) = await MemberWithTwoFactorAsync();
        var plainKey = key.Replace(" ", "", StringComparison.Ordinal);

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.NormalizedEmail == email.ToUpperInvariant()).Select(u => u.Id).SingleAsync();
        var stored = string.Join("\n", await db.UserTokens.Where(t => t.UserId == userId).Select(t => t.Name + "=" + t.Value).ToListAsync());
        Assert.Contains("AuthenticatorKey=", stored, StringComparison.Ordinal);
        Assert.Contains("RecoveryCodes=", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(plainKey, stored, StringComparison.OrdinalIgnoreCase);
        foreach (var code in codes)
        {
            Assert.DoesNotContain(code, stored, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(code, app.Logs.All, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(plainKey, app.Logs.All, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Turning_it_off_lets_the_password_alone_sign_in_again()
    {
        var (email, password, _, _) = await MemberWithTwoFactorAsync();
        var accounts = app.Services.GetRequiredService<AccountService>();
        Assert.True((await accounts.DisableTwoFactorAsync(email, null)).IsSuccess);

        using var browser = await app.SignInAsync(email, password);
        var account = await (await browser.GetAsync("/v1/account")).ExpectAsync(HttpStatusCode.OK);
        Assert.False(account["twoFactorEnabled"]!.GetValue<bool>());
        Assert.Null(await accounts.PendingSetupAsync(email));
    }
}
