using System.IdentityModel.Tokens.Jwt;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Validation.AspNetCore;
using Portal.Core.Account;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Features.IntegrationKeys;

namespace Portal.Hosting;

/// <summary>Who is calling: local accounts or Entra for browsers, OpenIddict or Entra JWTs and integration keys for callers.</summary>
public static class PortalAuthentication
{
    public const string SmartScheme = "Portal";
    public const string EntraCookieScheme = "EntraCookies";

    public static bool EntraEnabled(this IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["AzureAd:ClientId"]);

    public static void AddPortalAuthentication(this IServiceCollection services, IConfiguration configuration)
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
        // After Identity's stores: the user store that encrypts authenticator keys and hashes recovery codes.
        services.AddAccount();
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
            o.Events.OnValidatePrincipal = SessionStamp.ValidateAsync;
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
                // Behind a load balancer every instance must name the same issuer, or a token minted by one is refused by
                // another that was reached under another address: the public base URL, when configured, is the issuer.
                if (Uri.TryCreate(configuration[$"{PortalOptions.Section}:PublicBaseUrl"], UriKind.Absolute, out var issuer))
                {
                    o.SetIssuer(issuer);
                }

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
}
