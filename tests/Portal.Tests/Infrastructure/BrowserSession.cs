using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.Tests.Infrastructure;

/// <summary>A browser's view of the portal: signs in through the real login form and keeps the auth cookie.</summary>
public static partial class BrowserSession
{
    /// <summary>An HttpClient that keeps cookies and follows no redirects, not yet signed in.</summary>
    public static HttpClient Browser(this PortalApplication app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in with e-mail and password through <c>/account/login</c>; returns a client carrying the sign-in cookie (no bearer token).</summary>
    public static async Task<HttpClient> SignInAsync(this PortalApplication app, string email, string password)
    {
        var browser = app.Browser();
        using var response = await browser.PostLoginAsync(email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return browser;
    }

    /// <summary>Loads the login page (for its antiforgery token) and posts the form, as a browser does.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient browser, string email, string password)
    {
        var page = await browser.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "the login page has no antiforgery field");
        return await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
