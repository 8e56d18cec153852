using System.Collections.Concurrent;
using Microsoft.AspNetCore;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Tests.OAuth;

/// <summary>
/// OpenIddict hashes client secrets with a deliberately slow PBKDF2; on a busy test machine that costs seconds per
/// exchange. The test server hashes with SHA-256 instead: the secret is still checked.
/// </summary>
public sealed class FastSecretApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    Microsoft.Extensions.Options.IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store) where TApplication : class
{
    protected override ValueTask<string> ObfuscateClientSecretAsync(string secret, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret))));

    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret))) == comparand);
}

/// <summary>The OpenIddict store of the test authorization server.</summary>
public sealed class ProviderDbContext(DbContextOptions<ProviderDbContext> options) : DbContext(options);

/// <summary>
/// A real OAuth2 authorization server (OpenIddict) on 127.0.0.1: the authorization endpoint approves at once
/// (or answers <c>access_denied</c> when <see cref="DenyNext"/>), the token endpoint enforces PKCE (S256) and the
/// client secret, and issues refresh tokens (refused when <see cref="RefuseRefresh"/>). The client is confidential,
/// registered with the portal's callback as its only redirect URI.
/// </summary>
public sealed class LoopbackAuthorizationServer : IAsyncDisposable
{
    public const string ClientId = "portal-test-client";
    public const string ClientSecret = "provider-client-secret-4c71";

    private readonly WebApplication _app;
    private readonly string _dbPath;

    private LoopbackAuthorizationServer(WebApplication app, string dbPath)
    {
        _app = app;
        _dbPath = dbPath;
    }

    public string BaseUrl { get; private set; } = "";

    public bool DenyNext { get; set; }

    public bool RefuseRefresh { get; set; }

    /// <summary>Runs inside the token endpoint before it answers (given the grant type): a test's concurrent write lands while the portal waits.</summary>
    public Func<string, Task>? BeforeTokenAnswer { get; set; }

    /// <summary>Grant types the token endpoint accepted, in order.</summary>
    public ConcurrentQueue<string> Issued { get; } = new();

    public static async Task<LoopbackAuthorizationServer> StartAsync(string redirectUri)
    {
        var dbPath = Path.Combine(Path.GetTempPath(), $"oauth-provider-{Guid.NewGuid():N}.db");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<ProviderDbContext>(o => o.UseSqlite($"Data Source={dbPath}").UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(o =>
            {
                o.UseEntityFrameworkCore().UseDbContext<ProviderDbContext>();
                o.ReplaceApplicationManager(typeof(FastSecretApplicationManager<>));
            })
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                o.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();
                o.RequireProofKeyForCodeExchange();
                o.RegisterScopes("read", Scopes.OfflineAccess);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
                o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
            });
        var app = builder.Build();
        var server = new LoopbackAuthorizationServer(app, dbPath);
        app.UseAuthentication();

        app.MapGet("/connect/authorize", (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest()!;
            if (server.DenyNext)
            {
                server.DenyNext = false;
                return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The user declined.",
                }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, "provider-user-1");
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        app.MapPost("/connect/token", async (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest()!;
            if (request.IsRefreshTokenGrantType() && server.RefuseRefresh)
            {
                return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The refresh token is no longer valid.",
                }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var identity = new ClaimsIdentity(result.Principal!.Claims, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            if (server.BeforeTokenAnswer is { } before)
            {
                await before(request.GrantType!);
            }

            server.Issued.Enqueue(request.GrantType!);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ProviderDbContext>().Database.EnsureCreatedAsync();
            await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                ClientType = ClientTypes.Confidential,
                RedirectUris = { new Uri(redirectUri) },
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token,
                    Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken,
                    Permissions.ResponseTypes.Code, Permissions.Prefixes.Scope + "read",
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            });
        }

        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        // The first authorization request is slow (EF model, OpenIddict pipeline, keys): pay for it here, not inside a test's timeouts.
        using (var warmUp = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(2) })
        {
            var challenge = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Security.Cryptography.SHA256.HashData("warm-up-verifier-0123456789-0123456789-abc"u8));
            using var _ = await warmUp.GetAsync($"{server.BaseUrl}/connect/authorize?response_type=code&client_id={ClientId}&redirect_uri={Uri.EscapeDataString(redirectUri)}&state=warm-up&code_challenge={challenge}&code_challenge_method=S256");
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_dbPath);
    }
}
