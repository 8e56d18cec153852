using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Portal.Tests.Infrastructure;

namespace Portal.E2E.Infrastructure;

/// <summary>
/// The real app on a loopback port with its own SQLite file, and one headless Chromium.
/// Both start once for the whole collection; each test gets a fresh browser context.
/// </summary>
public sealed class PortalServer : IAsyncLifetime
{
    public const string Tenant = PortalApplication.Tenant;
    public const string AdminEmail = PortalApplication.AdminEmail;
    public const string AdminPassword = PortalApplication.AdminPassword;
    public const string ApiClientId = PortalApplication.AdminClientId;
    public const string ApiClientSecret = PortalApplication.AdminClientSecret;
    public const string ChromiumVariable = "PORTAL_CHROMIUM";
    public const string DefaultChromium = "/usr/bin/chromium";

    /// <summary>How long an action or an expectation may wait; generous because the CI machine has 2 shared cores.</summary>
    public const int ActionTimeoutMs = 20_000;

    // The CI machines have no internet: Debian's Chromium, never Playwright's own download.
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    // The same app, settings and bootstrap data as the API tests (its own SQLite file, deleted at the end); served on a real port here.
    // With the demo data, so the pages (and the README's screenshots) show a realistic tenant next to the tests' own data.
    // A locally generated key pair stands for GitHub's secret scanning key, so a test can report a leak as GitHub would.
    private readonly PortalApplication _app;

    public PortalServer()
    {
        _app = new()
        {
            Settings = new()
            {
                ["Portal:Demo:Enabled"] = "true",
                ["Portal:SecretScanning:GitHub:PublicKeys:0:KeyIdentifier"] = SecretScanningKeyIdentifier,
                ["Portal:SecretScanning:GitHub:PublicKeys:0:Key"] = SecretScanningKey.ExportSubjectPublicKeyInfoPem(),
            },
        };
    }

    public const string SecretScanningKeyIdentifier = "e2e-github-key";

    /// <summary>The key this app trusts as GitHub's secret scanning key (POST /secret-scanning/github).</summary>
    public System.Security.Cryptography.ECDsa SecretScanningKey { get; } = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Where the app listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The app's warnings and errors.</summary>
    public ServerLog Log { get; } = new();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>The running app's services, for the few set-ups no API offers yet (e.g. a key's age; see KeysE2ETests).</summary>
    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The app has not started.");

    public async Task InitializeAsync()
    {
        // Fail before starting anything when the browser is missing: these tests must never pass by skipping.
        var chromium = Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } configured ? configured : DefaultChromium;
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at '{chromium}'. Install it with 'bash scripts/install-chromium.sh' (as root) " +
                $"or point the {ChromiumVariable} environment variable at a Chromium executable.");
        }

        // A free loopback port of its own: a portal a developer runs on :5000, or a second suite, never collides with it.
        _factory = _app.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(Log)).UseUrls("http://127.0.0.1:0"));
        _factory.UseKestrel();
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address);

        // The first request renders cold (JIT, Razor, Identity) and took 16 s on a busy 2-core machine:
        // pay for it here, not inside the first test's timeouts.
        var warmUp = WarmUpAsync();

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        await warmUp;

        // Other builds share the CPUs: give Expect(...) the same patience as actions.
        Assertions.SetDefaultExpectTimeout(ActionTimeoutMs);
    }

    private async Task WarmUpAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        foreach (var path in new[] { "/account/login", "/_framework/blazor.web.js" })
        {
            using var response = await http.GetAsync(path);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The app answered GET {path} with {(int)response.StatusCode}; the browser tests cannot run.");
            }
        }
    }

    /// <summary>An HttpClient on the app carrying the bootstrap Admin API client's token: tests set up data through the API.</summary>
    public async Task<HttpClient> ApiAsync()
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        using var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ApiClientId,
            ["client_secret"] = ApiClientSecret,
        }));
        var body = await token.Content.ReadFromJsonAsync<JsonObject>();
        if (!token.IsSuccessStatusCode || body?["access_token"]?.GetValue<string>() is not { } accessToken)
        {
            throw new InvalidOperationException($"The token request failed: {(int)token.StatusCode} {body}");
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    /// <summary>A fresh context (no cookies) whose relative URLs resolve against the app.</summary>
    public Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 900) => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = BaseAddress.ToString(),
        ViewportSize = new ViewportSize { Width = width, Height = height },
    });

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await _app.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalServer>
{
    public const string Name = "Portal";
}
