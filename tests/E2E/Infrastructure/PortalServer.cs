using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Portal.E2E.Infrastructure;

/// <summary>
/// The real app on a loopback port with its own SQLite file, and one headless Chromium.
/// Both start once for the whole collection; each test gets a fresh browser context.
/// </summary>
public sealed class PortalServer : IAsyncLifetime
{
    public const string Tenant = "default";
    public const string AdminEmail = "admin@localhost";
    public const string AdminPassword = "Test-Admin-Passw0rd!";
    public const string ApiClientId = "e2e-admin";
    public const string ApiClientSecret = "pcs_e2e-admin-secret-for-the-browser-suite";
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

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "portal-e2e", Guid.NewGuid().ToString("N"));
    private PortalFactory? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Where the app listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The app's warnings and errors.</summary>
    public ServerLog Log { get; } = new();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

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

        _factory = new PortalFactory(_dataDirectory, Log);
        _factory.UseKestrel(0);
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

    /// <summary>A fresh context (no cookies) whose relative URLs resolve against the app.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = BaseAddress.ToString(),
        ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
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

        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class PortalFactory(string dataDirectory, ServerLog log) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Portal:DataDirectory", dataDirectory);
            builder.UseSetting("ConnectionStrings:Portal", "");
            builder.UseSetting("Portal:Bootstrap:Tenant", Tenant);
            builder.UseSetting("Portal:Bootstrap:AdminEmail", AdminEmail);
            builder.UseSetting("Portal:Bootstrap:AdminPassword", AdminPassword);
            builder.UseSetting("Portal:Bootstrap:ApiClientId", ApiClientId);
            builder.UseSetting("Portal:Bootstrap:ApiClientSecret", ApiClientSecret);
            // The OAuth test provider listens on 127.0.0.1.
            builder.UseSetting("Portal:Outbound:AllowPrivateNetworks", "true");
            builder.ConfigureLogging(logging => logging.AddProvider(log));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalServer>
{
    public const string Name = "Portal";
}
