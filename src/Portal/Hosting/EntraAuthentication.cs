using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Portal.Hosting;

/// <summary>
/// Microsoft Entra ID sign-in, registered only when <c>AzureAd:ClientId</c> is set.
/// Browsers sign in with OpenID Connect (Microsoft.Identity.Web) into the <see cref="PortalAuthentication.EntraCookieScheme"/>
/// cookie; API callers present Entra access tokens (JwtBearer, also through Microsoft.Identity.Web).
/// Either way the person is mapped to tenant memberships by e-mail (<c>email</c> or <c>preferred_username</c>).
/// </summary>
/// <remarks>
/// Configuration (section <c>AzureAd</c>): <c>Instance</c> + <c>TenantId</c> (authority = Instance + TenantId + "/v2.0"),
/// or an explicit <c>Authority</c>; <c>ClientId</c>; optionally <c>ClientSecret</c> (then the authorization-code flow
/// with PKCE is used instead of Microsoft.Identity.Web's default implicit id_token), <c>CallbackPath</c>
/// (default <c>/signin-oidc</c>) and <c>Audience</c>.
/// An authority on a loopback address is treated as a local stand-in for Entra (tests, offline development):
/// its metadata may be served over plain HTTP, and its tokens are checked with the standard OpenID Connect issuer
/// rule (the token's <c>iss</c> equals the metadata's <c>issuer</c>) instead of Microsoft.Identity.Web's Entra
/// issuer validator, which needs a <c>tid</c> claim and fetches Entra metadata over HTTPS only. Any other
/// authority always requires HTTPS metadata.
/// </remarks>
public static class EntraAuthentication
{
    public const string Section = "AzureAd";

    public static void AddPortalEntra(this AuthenticationBuilder auth, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        auth.AddMicrosoftIdentityWebApp(section, OpenIdConnectDefaults.AuthenticationScheme, PortalAuthentication.EntraCookieScheme);
        auth.AddMicrosoftIdentityWebApi(section, JwtBearerDefaults.AuthenticationScheme);

        var useCodeFlow = !string.IsNullOrWhiteSpace(section["ClientSecret"]) && string.IsNullOrWhiteSpace(section["ResponseType"]);

        // These run after Microsoft.Identity.Web's own configuration of the same schemes (registration order),
        // so the authority it computed is known here.
        auth.Services.Configure<CookieAuthenticationOptions>(PortalAuthentication.EntraCookieScheme, o =>
        {
            o.Cookie.Name = "portal.entra";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = "/account/entra";
            o.ReturnUrlParameter = "returnUrl";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
            o.Events.OnRedirectToLogin = ctx => PortalAuthentication.ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => PortalAuthentication.ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden);
        });

        auth.Services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, o =>
        {
            if (useCodeFlow)
            {
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
            }

            // A sign-in that does not complete (cancelled at Entra, expired state, rejected token) lands on the
            // sign-in page with a message instead of an error page.
            var onRemoteFailure = o.Events.OnRemoteFailure;
            o.Events.OnRemoteFailure = async ctx =>
            {
                await onRemoteFailure(ctx);
                if (ctx.Result is null)
                {
                    ctx.Response.Redirect("/account/login?error=entra");
                    ctx.HandleResponse();
                }
            };

            var loopback = IsLoopbackAuthority(o.Authority);
            o.RequireHttpsMetadata = !loopback;
            if (loopback)
            {
                UseStandardIssuerValidation(o.TokenValidationParameters);
            }
        });

        auth.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            var loopback = IsLoopbackAuthority(o.Authority);
            o.RequireHttpsMetadata = !loopback;
            if (loopback)
            {
                UseStandardIssuerValidation(o.TokenValidationParameters);
            }
        });
    }

    /// <summary>True for http(s)://127.0.0.1, [::1] or localhost authorities: a local stand-in, never Entra itself.</summary>
    public static bool IsLoopbackAuthority(string? authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.IsLoopback;

    /// <summary>
    /// Replaces Microsoft.Identity.Web's Entra issuer validator with the plain OpenID Connect rule: the issuer must be
    /// one of the configured valid issuers or the issuer named by the provider's metadata.
    /// </summary>
    private static void UseStandardIssuerValidation(TokenValidationParameters parameters)
    {
        // IssuerValidatorUsingConfiguration is consulted first (JwtBearer passes the metadata along); IssuerValidator
        // covers callers that do not, and being non-null keeps Microsoft.Identity.Web from installing its own.
        parameters.IssuerValidatorUsingConfiguration = (issuer, token, p, configuration) => ValidateIssuer(issuer, token, p, configuration);
        parameters.IssuerValidator = (issuer, token, p) => ValidateIssuer(issuer, token, p, null);
    }

    private static string ValidateIssuer(string issuer, SecurityToken token, TokenValidationParameters parameters, BaseConfiguration? configuration)
    {
        var plain = parameters.Clone();
        plain.IssuerValidator = null;
        plain.IssuerValidatorUsingConfiguration = null;
        if (!string.IsNullOrEmpty(configuration?.Issuer))
        {
            plain.ValidIssuers = [.. plain.ValidIssuers ?? [], configuration.Issuer];
        }

        return Validators.ValidateIssuer(issuer, token, plain);
    }
}
