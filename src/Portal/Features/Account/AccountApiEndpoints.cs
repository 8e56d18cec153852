using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Portal.Core.Account;
using Portal.Core.Common;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.Account;

/// <summary>
/// The caller's own account (<c>/v1/account</c>): people only, never API clients or keys. The page <c>/account</c> calls
/// the same <see cref="AccountService"/> directly.
/// </summary>
public static class AccountApiEndpoints
{
    public static void MapAccountApiEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/v1/account").RequireAuthorization().WithTags("Account")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        account.MapGet("", async Task<Results<Ok<AccountView>, ProblemHttpResult>> (HttpContext http, AccountService service) =>
                Person(http.User) is { } email ? await ApiResults.Ok(service.GetAsync(email, http.RequestAborted)) : NotAPerson())
            .WithName("account.get").WithSummary("The signed-in person's account: e-mail, whether two-factor sign-in is on, recovery codes left.");

        account.MapPost("/password", async Task<Results<NoContent, ProblemHttpResult>> (HttpContext http, PasswordChangeInput body, AccountService service, SignInManager<PortalUser> signIn) =>
            {
                if (Person(http.User) is not { } email)
                {
                    return NotAPerson();
                }

                var result = await service.ChangePasswordAsync(email, http.Connection.RemoteIpAddress?.ToString(), body, http.RequestAborted);
                if (!result.IsSuccess)
                {
                    return ApiResults.Problem(result.Error!);
                }

                // The stamp changed, so every session ends; a browser that asked keeps its own with a fresh cookie.
                if (!PortalAuthentication.HasBearerToken(http.Request) && await signIn.UserManager.FindByEmailAsync(email) is { } user)
                {
                    await signIn.RefreshSignInAsync(user);
                }

                return TypedResults.NoContent();
            })
            .WithName("account.changePassword")
            .WithSummary("Changes the caller's password (local accounts); other sessions end. With the sign-in cookie it must be a same-origin JSON request.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    /// <summary>The e-mail of a person (cookie, or an Entra user token); null for API clients and keys, which have no account.</summary>
    private static string? Person(ClaimsPrincipal user) =>
        user.FindFirst(PortalClaims.Tenant) is null && user.FindFirst(PortalClaims.ClientId) is null ? user.Email() : null;

    private static ProblemHttpResult NotAPerson() =>
        ApiResults.Problem(Error.Forbidden("Only a signed-in person has an account; API clients and keys have none."));
}
