using System.Security.Claims;

namespace Portal.Core.Tenancy;

public enum ActorKind
{
    User,
    ApiClient,
    System,

    /// <summary>A caller holding an integration key (<c>integsk_</c>); <see cref="Actor.Id"/> is the key's display prefix, never the key.</summary>
    IntegrationKey,

    /// <summary>An outside service the portal trusts for one thing (e.g. <c>github-secret-scanning</c>); the audit log names it by <see cref="Actor.Id"/>.</summary>
    Service,
}

/// <summary>Who acts, in which tenant, with which role; every Core operation takes one.</summary>
public sealed record Actor(string Id, ActorKind Kind, string TenantId, TenantRole Role, string? Ip)
{
    public bool IsAdmin => Role == TenantRole.Admin;

    /// <summary>How the audit log names this actor.</summary>
    public string AuditName => Kind switch
    {
        ActorKind.ApiClient => $"client:{Id}",
        ActorKind.System => "system",
        ActorKind.Service => Id,
        ActorKind.IntegrationKey => $"key:{Id}",
        _ => Id,
    };

    public static Actor System(string tenantId) => new("system", ActorKind.System, tenantId, TenantRole.Admin, null);
}

/// <summary>Claim names the portal puts into the tokens it issues.</summary>
public static class PortalClaims
{
    public const string Tenant = "tenant";
    public const string Role = "portal_role";
    public const string ClientId = "client_id";
    public const string Subject = "sub";

    /// <summary>On an integration-key principal: the integration the key belongs to.</summary>
    public const string Integration = "integration";

    /// <summary>On an integration-key principal: the key's display prefix (never the key).</summary>
    public const string KeyPrefix = "key_prefix";

    /// <summary>Space-separated scopes, as OAuth spells them.</summary>
    public const string Scope = "scope";

    public static bool IsIntegrationKey(this ClaimsPrincipal principal) => principal.FindFirst(KeyPrefix) is not null;

    /// <summary>The displayed prefix (or fingerprint) of the client secret a token was issued against: a rotation changes it, so the token stops.</summary>
    public const string SecretPrefix = "secret_prefix";

    public static string? Email(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.Email)
        ?? principal.FindFirstValue("email")
        ?? principal.FindFirstValue("preferred_username")
        ?? (principal.FindFirstValue(ClientId) is null ? principal.FindFirstValue(ClaimTypes.Name) : null);
}
