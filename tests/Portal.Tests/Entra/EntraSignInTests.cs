using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Entra;

/// <summary>The portal with <c>AzureAd:*</c> pointing at a <see cref="LoopbackOidcProvider"/> (started first, on its own port).</summary>
public sealed class EntraPortalApplication : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ClientId = "3b9d2f5e-7c41-4e0a-9a55-portal-tests";
    public const string ClientSecret = "loopback-client-secret-for-tests";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N"));

    public LoopbackOidcProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync() => Provider = await LoopbackOidcProvider.StartAsync(ClientId, ClientSecret);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Provider.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Portal:DataDirectory", _dataDirectory);
        builder.UseSetting("ConnectionStrings:Portal", "");
        builder.UseSetting("Portal:Bootstrap:Tenant", PortalApplication.Tenant);
        builder.UseSetting("Portal:Bootstrap:AdminEmail", PortalApplication.AdminEmail);
        builder.UseSetting("Portal:Bootstrap:AdminPassword", PortalApplication.AdminPassword);
        builder.UseSetting("AzureAd:Instance", Provider.Instance);
        builder.UseSetting("AzureAd:TenantId", LoopbackOidcProvider.EntraTenantId);
        builder.UseSetting("AzureAd:ClientId", ClientId);
        builder.UseSetting("AzureAd:ClientSecret", ClientSecret);
        builder.UseSetting("AzureAd:CallbackPath", "/signin-oidc");
    }

    /// <summary>A browser: keeps cookies, follows no redirect. https, so the Secure correlation and nonce cookies are kept.</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
        BaseAddress = new Uri("https://localhost"),
    });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class EntraSignInTests(EntraPortalApplication app) : IClassFixture<EntraPortalApplication>
{
    private LoopbackOidcProvider Provider => app.Provider;

    [Fact]
    public async Task The_app_reads_the_providers_metadata_and_redirects_sign_in_to_its_authorize_endpoint()
    {
        using var browser = app.Browser();

        // An unauthenticated page request goes to the Entra sign-in start...
        using var home = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        var start = Absolute(browser, home.Headers.Location!);
        Assert.Equal("/account/entra", start.AbsolutePath);
        Assert.Equal("/", HttpUtility.ParseQueryString(start.Query)["returnUrl"]);

        // ...which challenges OpenID Connect: a redirect to the provider's authorize endpoint, found through its metadata.
        using var challenge = await browser.GetAsync(start);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.Equal(Provider.BaseUrl + Provider.AuthorizePath, authorize.GetLeftPart(UriPartial.Path));
        Assert.Contains($"GET {Provider.DiscoveryPath}", Provider.Requests);

        var query = HttpUtility.ParseQueryString(authorize.Query);
        Assert.Equal(EntraPortalApplication.ClientId, query["client_id"]);
        Assert.Equal("https://localhost/signin-oidc", query["redirect_uri"]);
        Assert.False(string.IsNullOrEmpty(query["state"]));
        Assert.False(string.IsNullOrEmpty(query["nonce"]));
        Assert.Contains("openid", query["scope"]!.Split(' '));
        // ClientSecret is set: authorization code with PKCE, answered by form_post (Microsoft.Identity.Web's default mode).
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("form_post", query["response_mode"]);
    }

    [Fact]
    public async Task Signing_in_through_the_provider_gives_a_cookie_session_mapped_to_the_bootstrap_tenant()
    {
        using var browser = app.Browser();
        await SignInAsync(browser, PortalApplication.AdminEmail);

        // Signed in: the home page no longer sends the browser to sign in but to the home page of the first tenant the e-mail belongs to.
        using var home = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal($"/t/{PortalApplication.Tenant}", Absolute(browser, home.Headers.Location!).AbsolutePath);

        // The provider was used for real: code redeemed at its token endpoint, keys fetched to check the id_token.
        Assert.Contains($"POST {Provider.TokenPath}", Provider.Requests);
        Assert.Contains($"GET {Provider.KeysPath}", Provider.Requests);
    }

    [Fact]
    public async Task A_signed_in_person_without_membership_sees_the_page_not_a_sign_in_redirect()
    {
        const string email = "newcomer@example.org";
        using var browser = app.Browser();
        await SignInAsync(browser, email);

        using var home = await browser.GetAsync("/");
        var html = await home.Content.ReadAsStringAsync();
        Assert.True(home.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)home.StatusCode} {home.Headers.Location}");
        Assert.Contains(email, html, StringComparison.Ordinal);
        Assert.Contains("not a member of any tenant", html, StringComparison.Ordinal);

        // Signing out ends the session.
        var antiforgery = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(antiforgery.Success, "the sign-out form carries an antiforgery token");
        using var logout = await browser.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value),
        }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        using var after = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/account/entra", Absolute(browser, after.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task A_sign_in_cancelled_at_the_provider_lands_on_the_sign_in_page_with_a_message()
    {
        using var browser = app.Browser();
        using var challenge = await browser.GetAsync("/account/entra?returnUrl=%2F");
        var state = HttpUtility.ParseQueryString(challenge.Headers.Location!.Query)["state"]!;

        // What Entra posts back when the user cancels.
        using var callback = await browser.PostAsync("/signin-oidc", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["error"] = "access_denied",
            ["error_description"] = "AADSTS50126: the user cancelled.",
            ["state"] = state,
        }));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/account/login?error=entra", callback.Headers.Location!.OriginalString);
        Assert.DoesNotContain(callback.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("portal.entra=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));

        using var login = await browser.GetAsync("/account/login?error=entra");
        var html = await login.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("did not complete", html, StringComparison.Ordinal);
        Assert.Contains("/account/entra", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bearer_token_from_the_provider_opens_the_api_for_the_bootstrap_admin()
    {
        var tokens = await Provider.SignInAsync(PortalApplication.AdminEmail);
        using var http = Api(tokens["access_token"]!.GetValue<string>());

        var page = await (await http.GetAsync($"/v1/tenants/{PortalApplication.Tenant}/integrations")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(page["items"]);

        var tenants = await http.GetFromJsonAsync<JsonArray>("/v1/tenants");
        Assert.Contains(tenants!, t => t!["id"]!.GetValue<string>() == PortalApplication.Tenant);
    }

    [Fact]
    public async Task A_bearer_token_for_an_email_without_membership_gets_404()
    {
        var tokens = await Provider.SignInAsync("stranger@example.org");
        using var http = Api(tokens["access_token"]!.GetValue<string>());
        await (await http.GetAsync($"/v1/tenants/{PortalApplication.Tenant}/integrations")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bearer_tokens_not_from_the_provider_get_401()
    {
        using var rogueRsa = RSA.Create(2048);
        var rogueKey = new RsaSecurityKey(rogueRsa) { KeyId = Provider.SigningKey.KeyId };
        foreach (var token in new[]
                 {
                     Provider.IssueAccessToken(PortalApplication.AdminEmail, signWith: rogueKey),
                     Provider.IssueAccessToken(PortalApplication.AdminEmail, issuer: "http://127.0.0.1:1/elsewhere/v2.0"),
                     Provider.IssueAccessToken(PortalApplication.AdminEmail, audience: "some-other-app"),
                 })
        {
            using var http = Api(token);
            using var response = await http.GetAsync($"/v1/tenants/{PortalApplication.Tenant}/integrations");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // The same claims, properly signed, are accepted: the 401s above are about the signature, issuer and audience.
        using var ok = Api(Provider.IssueAccessToken(PortalApplication.AdminEmail));
        Assert.Equal(HttpStatusCode.OK, (await ok.GetAsync($"/v1/tenants/{PortalApplication.Tenant}/integrations")).StatusCode);
    }

    [Fact]
    public async Task Local_client_credentials_tokens_still_work_with_entra_on()
    {
        using var http = app.CreateClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "nobody",
            ["client_secret"] = "wrong",
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        using var anonymous = await http.GetAsync($"/v1/tenants/{PortalApplication.Tenant}/integrations");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    /// <summary>
    /// Drives the whole browser flow by hand: / → /account/entra → provider /authorize (a real HTTP hop to the
    /// loopback port) → form_post back to the app's /signin-oidc → redirect to the return URL, with the session cookie.
    /// </summary>
    private async Task SignInAsync(HttpClient browser, string email)
    {
        using var challenge = await browser.GetAsync("/account/entra?returnUrl=%2F");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(Provider.BaseUrl, authorize.ToString(), StringComparison.Ordinal);

        using var idp = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var approval = await idp.GetAsync($"{authorize}&login_hint={Uri.EscapeDataString(email)}");
        var html = await approval.Content.ReadAsStringAsync();
        Assert.True(approval.StatusCode == HttpStatusCode.OK, $"authorize answered {(int)approval.StatusCode}: {html}");
        var (action, fields) = LoopbackOidcProvider.ParseFormPost(html);
        Assert.Equal("https://localhost/signin-oidc", action.ToString());
        Assert.Equal(HttpUtility.ParseQueryString(authorize.Query)["state"], fields["state"]);

        using var callback = await browser.PostAsync(action, new FormUrlEncodedContent(fields));
        var body = await callback.Content.ReadAsStringAsync();
        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, $"/signin-oidc answered {(int)callback.StatusCode}: {body}");
        Assert.Equal("/", Absolute(browser, callback.Headers.Location!).AbsolutePath);
        Assert.Contains(callback.Headers.GetValues("Set-Cookie"), c => c.StartsWith("portal.entra", StringComparison.Ordinal));
    }

    private HttpClient Api(string accessToken)
    {
        var http = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    private static Uri Absolute(HttpClient client, Uri location) => location.IsAbsoluteUri ? location : new Uri(client.BaseAddress!, location);
}
