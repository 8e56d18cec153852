using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.Account;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", async (HttpContext http, [FromForm] string? returnUrl, IConfiguration configuration) =>
        {
            if (configuration.EntraEnabled())
            {
                await http.SignOutAsync(PortalAuthentication.EntraCookieScheme);
            }
            else
            {
                await http.RequestServices.GetRequiredService<SignInManager<PortalUser>>().SignOutAsync();
            }

            return TypedResults.LocalRedirect("/account/login");
        }).ExcludeFromDescription();

        // Starts the Entra ID sign-in. The challenge names the OpenID Connect scheme: the default scheme forwards
        // browsers to the Entra cookie, whose challenge comes back here.
        app.MapGet("/account/entra", IResult (string? returnUrl, IConfiguration configuration) =>
                configuration.EntraEnabled()
                    ? TypedResults.Challenge(new AuthenticationProperties { RedirectUri = LocalPath(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme])
                    : TypedResults.NotFound())
            .ExcludeFromDescription();
    }

    /// <summary>A same-site path to return to, never another origin ("//host", "/\\host").</summary>
    private static string LocalPath(string? returnUrl) =>
        string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') || returnUrl.StartsWith("//") || returnUrl.StartsWith("/\\") ? "/" : returnUrl;
}
