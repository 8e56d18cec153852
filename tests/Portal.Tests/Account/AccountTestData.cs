using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using Portal.Core.Account;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Account;

/// <summary>People with local accounts for the account tests: made through the members API, signed in through the real forms.</summary>
internal static partial class AccountTestData
{
    /// <summary>Adds a member with a new local account to <paramref name="tenant"/> (through that tenant's Admin client); returns the initial password.</summary>
    public static async Task<string> AddMemberAsync(this HttpClient tenantAdmin, string email, string role = "Viewer", string tenant = PortalApplication.Tenant)
    {
        var added = await (await tenantAdmin.PostAsJsonAsync($"/v1/tenants/{tenant}/members", new { email, role })).ExpectAsync(HttpStatusCode.OK);
        return added["initialPassword"]?.GetValue<string>() ?? "";
    }

    public static string NewEmail(string what) => $"{what}-{Guid.NewGuid():N}"[..24] + "@example.test";

    /// <summary>Turns two-factor sign-in on through the account service, with a code an independent TOTP implementation computes from the shared key.</summary>
    public static async Task<(string Key, IReadOnlyList<string> RecoveryCodes)> EnableTwoFactorAsync(this PortalApplication app, string email)
    {
        var accounts = app.Services.GetRequiredService<AccountService>();
        var setup = (await accounts.StartAuthenticatorSetupAsync(email)).Value!;
        Assert.StartsWith("otpauth://totp/Portal%3A", setup.AuthenticatorUri, StringComparison.Ordinal);
        var enabled = await accounts.EnableTwoFactorAsync(email, null, new TwoFactorCodeInput { Code = Code(setup.SharedKey) });
        Assert.True(enabled.IsSuccess, enabled.Error?.Describe());
        return (setup.SharedKey, enabled.Value!.RecoveryCodes);
    }

    /// <summary>The current 6-digit code of a shared key as the page shows it (groups of four).</summary>
    public static string Code(string sharedKey) => new Totp(Base32Encoding.ToBytes(sharedKey.Replace(" ", "", StringComparison.Ordinal))).ComputeTotp();

    /// <summary>Posts the second step of the login form, as a browser does after the password step redirected there.</summary>
    public static async Task<HttpResponseMessage> PostSecondFactorAsync(this HttpClient browser, string code)
    {
        var page = await browser.GetStringAsync("/account/login/two-factor");
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "the two-factor page has no antiforgery field");
        return await browser.PostAsync("/account/login/two-factor", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "two-factor",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Input.Code"] = code,
        }));
    }

    /// <summary>Whether the browser's cookie is a session: <c>GET /v1/account</c> answers 200 (401 without one).</summary>
    public static async Task<HttpStatusCode> AccountStatusAsync(this HttpClient browser)
    {
        using var response = await browser.GetAsync("/v1/account");
        return response.StatusCode;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
