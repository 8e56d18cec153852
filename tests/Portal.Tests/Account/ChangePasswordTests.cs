using System.Net;
using System.Net.Http.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Account;

/// <summary><c>POST /v1/account/password</c>: a person changes their own password; other sessions end, the caller's stays.</summary>
public sealed class ChangePasswordTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string NewPassword = "Brand-new-Passw0rd!";

    private async Task<(string Email, string Password)> MemberAsync()
    {
        using var admin = await app.ClientAsync();
        var email = AccountTestData.NewEmail("pw");
        return (email, await admin.AddMemberAsync(email));
    }

    [Fact]
    public async Task The_new_password_signs_in_the_old_one_no_longer_and_other_sessions_end()
    {
        var (email, initial) = await MemberAsync();
        using var browser = await app.SignInAsync(email, initial);
        using var otherBrowser = await app.SignInAsync(email, initial);

        await (await browser.PostAsJsonAsync("/v1/account/password", new { currentPassword = initial, newPassword = NewPassword })).ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal(HttpStatusCode.OK, await browser.AccountStatusAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, await otherBrowser.AccountStatusAsync());
        using var withOld = await app.Browser().PostLoginAsync(email, initial);
        Assert.Equal(HttpStatusCode.OK, withOld.StatusCode); // the form again, with its error
        Assert.Contains("E-mail or password is wrong.", await withOld.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var withNew = await app.SignInAsync(email, NewPassword);
        var account = await (await withNew.GetAsync("/v1/account")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(email, account["email"]!.GetValue<string>());
        Assert.False(account["twoFactorEnabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_wrong_current_password_is_a_400_naming_the_field_and_never_echoes_it()
    {
        var (email, initial) = await MemberAsync();
        using var browser = await app.SignInAsync(email, initial);

        using var response = await browser.PostAsJsonAsync("/v1/account/password", new { currentPassword = "Not-my-passw0rd!", newPassword = NewPassword });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Current password", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(problem["errors"]!["currentPassword"]);
        var text = problem.ToJsonString();
        Assert.DoesNotContain("Not-my-passw0rd!", text, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, text, StringComparison.Ordinal);
        await app.SignInAsync(email, initial);
    }

    [Fact]
    public async Task A_weak_new_password_is_a_400_naming_the_field()
    {
        var (email, initial) = await MemberAsync();
        using var browser = await app.SignInAsync(email, initial);

        var problem = await (await browser.PostAsJsonAsync("/v1/account/password", new { currentPassword = initial, newPassword = "short" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("New password", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("12", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(problem["errors"]!["newPassword"]);
        await app.SignInAsync(email, initial);
    }

    [Fact]
    public async Task Missing_null_and_huge_passwords_are_400s_not_5xx()
    {
        var (email, initial) = await MemberAsync();
        using var browser = await app.SignInAsync(email, initial);

        var missing = await (await browser.PostAsJsonAsync("/v1/account/password", new { })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(missing["errors"]!["currentPassword"]);
        Assert.NotNull(missing["errors"]!["newPassword"]);
        await (await browser.PostAsJsonAsync("/v1/account/password", new { currentPassword = (string?)null, newPassword = (string?)null })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var huge = new string('A', 1_000_000);
        var tooLong = await (await browser.PostAsJsonAsync("/v1/account/password", new { currentPassword = initial, newPassword = huge })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("at most 256", tooLong["detail"]!.GetValue<string>() + tooLong["errors"]!.ToJsonString(), StringComparison.Ordinal);
        using var hugeLogin = await app.Browser().PostLoginAsync(email, huge);
        Assert.Equal(HttpStatusCode.OK, hugeLogin.StatusCode);
        await app.SignInAsync(email, initial);
    }

    [Fact]
    public async Task A_cross_origin_or_form_request_with_the_cookie_is_refused()
    {
        var (email, initial) = await MemberAsync();
        using var browser = await app.SignInAsync(email, initial);

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/v1/account/password")
        {
            Headers = { { "Origin", "https://attacker.example" } },
            Content = JsonContent.Create(new { currentPassword = initial, newPassword = NewPassword }),
        };
        await (await browser.SendAsync(foreign)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        using var form = new HttpRequestMessage(HttpMethod.Post, "/v1/account/password")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["currentPassword"] = initial, ["newPassword"] = NewPassword }),
        };
        await (await browser.SendAsync(form)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await app.SignInAsync(email, initial);
    }

    [Fact]
    public async Task An_api_client_has_no_account()
    {
        using var client = await app.ClientAsync();
        var problem = await (await client.GetAsync("/v1/account")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("API clients", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await client.PostAsJsonAsync("/v1/account/password", new { currentPassword = "x", newPassword = NewPassword })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        using var anonymous = app.Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, await anonymous.AccountStatusAsync());
    }
}
