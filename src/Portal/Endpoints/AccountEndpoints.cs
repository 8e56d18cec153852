using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Endpoints;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", async (HttpContext http, [FromForm] string? returnUrl, IConfiguration configuration) =>
        {
            if (configuration.EntraEnabled())
            {
                await http.SignOutAsync(PortalServices.EntraCookieScheme);
            }
            else
            {
                await http.RequestServices.GetRequiredService<SignInManager<PortalUser>>().SignOutAsync();
            }

            return TypedResults.LocalRedirect("/account/login");
        }).ExcludeFromDescription();

        app.MapGet("/account/entra", (string? returnUrl) =>
                TypedResults.Challenge(new AuthenticationProperties { RedirectUri = string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') ? "/" : returnUrl }))
            .ExcludeFromDescription();
    }
}
