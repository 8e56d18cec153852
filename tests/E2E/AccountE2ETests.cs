using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OtpNet;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

public sealed class AccountE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task A_member_changes_the_password_turns_on_two_factor_and_signs_in_with_a_code() => RunAsync(async () =>
    {
        var email = $"e2e-{Guid.NewGuid():N}"[..16] + "@example.test";
        var initial = await AddMemberAsync(email);
        const string newPassword = "E2E-new-Passw0rd!";

        // Sign in with the initial password; the app bar's e-mail leads to the account page.
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInAsync(email, initial);
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(IntegrationsPage.PathFor(PortalServer.Tenant))}$"));
        await new IntegrationsPage(Page).WaitUntilInteractiveAsync();
        await Page.GetByRole(AriaRole.Link, new() { Name = email, Exact = true }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(AccountPage.Path)}$"));
        var account = new AccountPage(Page);
        await Expect(account.Heading).ToBeVisibleAsync();

        await account.ChangePasswordAsync(initial, newPassword);
        await Expect(account.Status).ToContainTextAsync("Your password was changed.");

        // Still signed in here; sign out and back in with the new password.
        await account.SignOutButton.ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(LoginPage.Path)}$"));
        await login.SignInAsync(email, initial);
        await Expect(login.Alert).ToHaveTextAsync("E-mail or password is wrong.");
        await login.SignInAsync(email, newPassword);
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(IntegrationsPage.PathFor(PortalServer.Tenant))}$"));

        // Two-factor: the key from the page, the code from an independent TOTP implementation.
        await account.OpenAsync();
        var key = await account.StartTwoFactorSetUpAsync();
        await Expect(account.QrCode).ToBeVisibleAsync();
        await account.VerifyAsync(CodeOf(key));
        await Expect(account.Status).ToContainTextAsync("Two-factor sign-in is on.");
        await Expect(account.RecoveryCodes).ToHaveCountAsync(10);
        await Expect(account.SharedKey).ToHaveCountAsync(0);

        // The password alone now leads to the code step, and the code signs in.
        await account.SignOutButton.ClickAsync();
        await login.SignInAsync(email, newPassword);
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(TwoFactorLoginPage.Path)}"));
        await new TwoFactorLoginPage(Page).VerifyAsync(CodeOf(key));
        await Expect(Page).ToHaveURLAsync(new Regex($"{Regex.Escape(IntegrationsPage.PathFor(PortalServer.Tenant))}$"));
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = email, Exact = true })).ToBeVisibleAsync();

        // Turning it off asks first, with Cancel focused.
        await account.OpenAsync();
        await account.TurnOffButton.ClickAsync();
        await Expect(account.CancelLink).ToBeFocusedAsync();
        await account.ConfirmTurnOffButton.ClickAsync();
        await Expect(account.Status).ToContainTextAsync("Two-factor sign-in is off.");
        await Expect(account.SetUpButton).ToBeVisibleAsync();
    });

    private static string CodeOf(string sharedKey) =>
        new Totp(Base32Encoding.ToBytes(sharedKey.Replace(" ", "", StringComparison.Ordinal))).ComputeTotp();

    private async Task<string> AddMemberAsync(string email)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = PortalServer.ApiClientId,
            ["client_secret"] = PortalServer.ApiClientSecret,
        }));
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var added = await http.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/members", new { email, role = "Viewer" });
        added.EnsureSuccessStatusCode();
        return (await added.Content.ReadFromJsonAsync<JsonObject>())!["initialPassword"]!.GetValue<string>();
    }
}
