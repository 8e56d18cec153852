using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Portal.Core.ApiClients;
using Portal.Core.Tenancy;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Features.ApiClients;

/// <summary><c>POST /connect/token</c>: OAuth2 client credentials → a JWT carrying the client's tenant and role. OpenIddict checks the secret.</summary>
public static class TokenEndpoints
{
    public static void MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connect/token", async (HttpContext http, ApiClientService clients) =>
        {
            var request = http.GetOpenIddictServerRequest()
                ?? throw new InvalidOperationException("The OpenIddict request is missing.");
            if (!request.IsClientCredentialsGrantType())
            {
                return Reject(Errors.UnsupportedGrantType, "Only grant_type=client_credentials is supported.");
            }

            var client = await clients.FindAsync(request.ClientId!, http.RequestAborted);
            if (client is null)
            {
                return Reject(Errors.InvalidClient, "The client is not an API client of any tenant.");
            }

            // OpenIddict verified request.ClientSecret against the client before this handler ran (API clients are confidential).
            if (request.ClientSecret is not { Length: > 0 } presented)
            {
                return Reject(Errors.InvalidClient, "The client secret is missing.");
            }

            var check = await clients.CheckTokenRequestAsync(client, presented, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            if (check.Refusal is { } refusal)
            {
                return Reject(Errors.InvalidClient, refusal);
            }

            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, client.ClientId)
                .SetClaim(Claims.Name, client.DisplayName)
                .SetClaim(PortalClaims.Tenant, client.TenantId)
                .SetClaim(PortalClaims.Role, client.Role.ToString())
                .SetClaim(PortalClaims.SecretPrefix, check.SecretPrefix);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        })
        .ExcludeFromDescription();
    }

    private static IResult Reject(string error, string description) => Results.Forbid(
        authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme],
        properties: new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }));
}
