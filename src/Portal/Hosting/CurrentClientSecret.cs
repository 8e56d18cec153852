using OpenIddict.Abstractions;
using OpenIddict.Validation;
using Portal.Core.ApiClients;
using Portal.Core.Tenancy;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Portal.Hosting;

/// <summary>
/// Access tokens are self-contained JWTs (no token storage), so revocation is a check at validation: a token names
/// its client, tenant and the prefix of the secret it was issued against, and is valid only while that client
/// still exists with that secret and the secret is not revoked. Answered from memory after the first read
/// (<see cref="ApiClientService.IsTokenCurrentAsync"/>): a rotation, deletion or revocation is announced as a key change,
/// and the rotating call returns once every listening instance has acknowledged it (or after the announcement's 2 s
/// timeout, logged), so the next request is checked against the change.
/// </summary>
public sealed class CurrentClientSecret(ApiClientService clients) : IOpenIddictValidationHandler<ValidateTokenContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } =
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<CurrentClientSecret>()
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateExpirationDate.Descriptor.Order + 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.IsRejected || context.Principal is not { } principal)
        {
            return;
        }

        var clientId = principal.GetClaim(PortalClaims.Subject);
        var tenant = principal.GetClaim(PortalClaims.Tenant);
        var secretPrefix = principal.GetClaim(PortalClaims.SecretPrefix);
        if (clientId is null || tenant is null || secretPrefix is null
            || !await clients.IsTokenCurrentAsync(clientId, tenant, secretPrefix, principal.GetCreationDate()?.ToUnixTimeMilliseconds(), context.CancellationToken))
        {
            context.Reject(
                error: Errors.InvalidToken,
                description: "The token's API client was deleted, or its secret was rotated, revoked or is past the tenant's key policy since the token was issued; get a new token at POST /connect/token (an Admin may need to rotate the secret first).");
        }
    }
}
