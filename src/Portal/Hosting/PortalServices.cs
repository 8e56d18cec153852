using System.Diagnostics;
using System.IdentityModel.Tokens.Jwt;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;
using OpenIddict.Validation.AspNetCore;
using Portal.Core.ApiClients;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.IntegrationKeys;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Mcp;
using Portal.Core.SigningSecrets;
using Portal.Core.OAuth;
using Portal.Core.Outbound;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;

namespace Portal.Hosting;

public static class PortalServices
{
    public const string SmartScheme = "Portal";
    public const string EntraCookieScheme = "EntraCookies";

    public static bool EntraEnabled(this IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["AzureAd:ClientId"]);

    public static void AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.Configure<PortalOptions>(configuration.GetSection(PortalOptions.Section));
        services.PostConfigure<PortalOptions>(o => o.LocalAccounts = !configuration.EntraEnabled());
        services.AddSingleton(TimeProvider.System);

        services.AddPortalStore(configuration, builder.Environment.ContentRootPath);
        services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<PortalDbContext>();

        services.AddSingleton<CredentialProtector>();
        services.AddSingleton<IntegrationService>();
        services.AddSingleton<ConfigService>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<Refusals>();
        services.AddSingleton<TenantAccess>();
        services.AddSingleton<KeyEngine>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<SigningSecretService>();
        services.AddSingleton<IntegrationKeyService>();
        services.AddSingleton<McpSettingsService>();
        services.AddPortalMcp();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<WebhookReceiver>();
        services.AddSecretPathRedaction();
        // Scoped services that hold a DbContext (UserManager, OpenIddict managers) are resolved per operation, never per circuit.
        services.AddSingleton(typeof(PerOperation<>));
        services.AddSingleton<ApiClientService>();
        services.AddSingleton<TenantService>();
        services.AddScoped<Bootstrapper>();
        services.Configure<OutboundOptions>(configuration.GetSection(OutboundOptions.Section));
        // Development integrations usually run on localhost: allow private networks there unless configured.
        if (builder.Environment.IsDevelopment() && string.IsNullOrEmpty(configuration[$"{OutboundOptions.Section}:AllowPrivateNetworks"]))
        {
            services.PostConfigure<OutboundOptions>(o => o.AllowPrivateNetworks = true);
        }

        services.AddOutboundHttp();
        services.AddSingleton<CredentialTester>();
        services.AddSingleton<OAuthService>();
        services.AddSingleton<OAuthTokenRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<OAuthTokenRefresher>());
        services.AddSingleton<VerificationService>();

        AddIdentityAndTokens(services, configuration);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance = SecretPaths.Redact(ctx.ProblemDetails.Instance ?? ctx.HttpContext.Request.Path.Value ?? "");
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
            ProblemTypes.Complete(ctx.ProblemDetails, ctx.HttpContext);
        });
        services.ConfigureHttpJsonOptions(o => PortalJson.Configure(o.SerializerOptions));
        // Binding failures throw, so BadRequestExceptionHandler can say what was wrong instead of a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<BearerSecurityTransformer>();
            o.AddDocumentTransformer<OpenApiDocumentShape>();
            o.AddSchemaTransformer<OpenApiSchemaShape>();
            o.AddDocumentTransformer<IntegrationKeyOpenApi>();
            o.AddOperationTransformer<IntegrationKeyOpenApi>();
            o.AddOperationTransformer<ETagOpenApi>();
        });
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddHttpContextAccessor();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
    }

    private static void AddIdentityAndTokens(IServiceCollection services, IConfiguration configuration)
    {
        var entra = configuration.EntraEnabled();
        services.Configure<SecurityOptions>(configuration.GetSection(SecurityOptions.Section));
        services.AddSingleton<FailureThrottle>();
        services.AddScoped<PasswordSignIn>();
        services.AddOptions<IdentityOptions>().Configure<Microsoft.Extensions.Options.IOptions<SecurityOptions>>((o, security) =>
        {
            o.Lockout.AllowedForNewUsers = true;
            o.Lockout.MaxFailedAccessAttempts = Math.Max(1, security.Value.SignInMaxFailures);
            o.Lockout.DefaultLockoutTimeSpan = security.Value.SignInLockout;
        });
        services.AddIdentityCore<PortalUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 12;
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());

        var auth = services.AddAuthentication(o =>
        {
            o.DefaultScheme = SmartScheme;
            o.DefaultChallengeScheme = SmartScheme;
        });
        auth.AddPolicyScheme(SmartScheme, "Cookie or bearer", o => o.ForwardDefaultSelector = ctx =>
        {
            if (HasBearerToken(ctx.Request))
            {
                var token = ctx.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
                if (IntegrationKeyAuthentication.IsIntegrationKey(token))
                {
                    return IntegrationKeyAuthentication.SchemeName;
                }

                return entra && !IsLocalToken(token)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            }

            return entra ? EntraCookieScheme : IdentityConstants.ApplicationScheme;
        });
        auth.AddScheme<AuthenticationSchemeOptions, IntegrationKeyAuthentication>(IntegrationKeyAuthentication.SchemeName, "Integration key (seed 004)", null);
        auth.AddIdentityCookies(c => c.ApplicationCookie?.Configure(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
            o.Cookie.Name = "portal.auth";
            o.Events.OnRedirectToLogin = ctx => ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden);
        }));

        if (entra)
        {
            auth.AddPortalEntra(configuration);
        }

        services.AddAuthorization();
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<OpenIddict.Server.OpenIddictServerOptions>, PersistedTokenKeys>();

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<PortalDbContext>())
            .AddServer(o =>
            {
                o.SetTokenEndpointUris("connect/token");
                o.AllowClientCredentialsFlow();
                o.SetAccessTokenLifetime(TimeSpan.FromHours(1));
                o.DisableAccessTokenEncryption();
                o.DisableTokenStorage();
                o.UseAspNetCore().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
                o.AddEventHandler(CurrentClientSecret.Descriptor);
                // OpenIddict checks only the expiry itself; let IdentityModel check nbf too, with a small skew (one issuer, one clock).
                o.Configure(v =>
                {
                    v.TokenValidationParameters.ValidateLifetime = true;
                    v.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
                });
            });
    }

    /// <summary>API callers without a token get a 401/403 ProblemDetails, never a sign-in redirect.</summary>
    internal static Task ApiAware(HttpContext context, string redirectUri, int status)
    {
        if (ApiPaths.IsApi(context.Request.Path))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(redirectUri);
        }

        return Task.CompletedTask;
    }

    /// <summary>Whether the request authenticates with a bearer token; otherwise the default scheme reads the sign-in cookie.</summary>
    public static bool HasBearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    private static bool IsLocalToken(string token)
    {
        var handler = new JwtSecurityTokenHandler();
        return !handler.CanReadToken(token) || handler.ReadJwtToken(token).Claims.Any(c => c.Type == PortalClaims.Tenant);
    }

    public static async Task RunPortalBootstrapAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Bootstrapper>().RunAsync();
    }
}

public static class ApiPaths
{
    private static readonly string[] Prefixes = ["/v1", "/api", "/xrpc", "/webhooks", "/connect", "/openapi"];

    public static bool IsApi(PathString path) => Prefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    public static bool IsXrpc(PathString path) => path.StartsWithSegments("/xrpc", StringComparison.OrdinalIgnoreCase);
}
