using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>
/// One started OAuth2 authorization: single-use, expires after 10 minutes. Only hashes of the
/// state and of the browser binding are stored; the PKCE verifier is encrypted.
/// </summary>
public sealed class OAuthState
{
    public Guid Id { get; set; }

    /// <summary>SHA-256 (hex) of the <c>state</c> parameter handed to the provider.</summary>
    public required string StateHash { get; set; }
    public required string TenantId { get; set; }
    public required string IntegrationId { get; set; }
    public Guid ConfigId { get; set; }
    public int? AuthMapIndex { get; set; }
    public string? AuthMapKey { get; set; }
    public required string StartedBy { get; set; }
    public ActorKind StartedByKind { get; set; }

    /// <summary>SHA-256 of the browser-binding cookie when a signed-in browser started the flow; null for API callers.</summary>
    public string? BrowserBindingHash { get; set; }
    public required string CodeVerifierProtected { get; set; }
    public required string RedirectUri { get; set; }
    public long CreatedAt { get; set; }
    public long ExpiresAt { get; set; }
    public long? ConsumedAt { get; set; }
}
