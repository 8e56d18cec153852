using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Portal.Core.IntegrationKeys;
using Portal.Core.Keys;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.IntegrationKeys;

/// <summary>
/// <c>Authorization: Bearer integsk_…</c> (seed 004). The key is checked by the key engine on every request (checksum
/// first, then the hash lookup and a constant-time compare; a revoked key is refused at once and audited). A valid key
/// becomes a principal naming its tenant, its integration, its scopes and its display prefix, never the key. What that
/// principal may call is decided in one place, <see cref="IntegrationKeyRule"/>.
/// </summary>
public sealed class IntegrationKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KeyEngine keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "IntegrationKey";

    public static bool IsIntegrationKey(string bearer) => bearer.StartsWith(KeyPrefixes.IntegrationKey, StringComparison.Ordinal);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = header["Bearer ".Length..].Trim();
        if (!IsIntegrationKey(presented))
        {
            return AuthenticateResult.NoResult();
        }

        var check = await keys.CheckAsync(KeyKind.IntegrationKey, tenantId: null, presented, expectedOwner: null, Context.Connection.RemoteIpAddress?.ToString(), ct: Context.RequestAborted);
        if (!check.IsValid || IntegrationKeyService.IntegrationOf(check.Key!.OwnerId) is not { } integration)
        {
            // The message names the outcome only: the presented value never reaches a log line.
            return AuthenticateResult.Fail($"Integration key refused ({check.Outcome}).");
        }

        var key = check.Key;
        var identity = new ClaimsIdentity(
            [
                new Claim(PortalClaims.Tenant, key.TenantId),
                new Claim(PortalClaims.Integration, integration),
                new Claim(PortalClaims.KeyPrefix, key.KeyPrefix),
                new Claim(PortalClaims.Scope, key.Scopes),
                new Claim(ClaimTypes.Name, key.KeyPrefix),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            "The integration key is unknown, malformed or no longer active (a rotation revokes the previous key at once).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteAsync(StatusCodes.Status403Forbidden, "Forbidden", IntegrationKeyRule.NotOpened);

    private Task WriteAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        // XRPC answers in its own shape: a refusal says why (a 401 is written by its status-code page).
        return !ApiPaths.IsXrpc(Request.Path) ? Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(Context)
            : status == StatusCodes.Status403Forbidden ? Portal.Features.SigningSecrets.XrpcResults.Error(status, "Forbidden", detail).ExecuteAsync(Context)
            : Task.CompletedTask;
    }
}
