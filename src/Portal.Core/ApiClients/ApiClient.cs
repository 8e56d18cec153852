using Portal.Core.Tenancy;

namespace Portal.Core.ApiClients;

/// <summary>A program's identity in a tenant. The secret itself is hashed by OpenIddict's application store.</summary>
public sealed class ApiClient
{
    public required string ClientId { get; set; }
    public required string TenantId { get; set; }
    public required string DisplayName { get; set; }
    public TenantRole Role { get; set; }
    public required string SecretPrefix { get; set; }
    public long CreatedAt { get; set; }
    public long? SecretRotatedAt { get; set; }
}

public sealed class ApiClientInput
{
    public string? DisplayName { get; set; }
    public TenantRole? Role { get; set; }
}

public sealed record ApiClientView(string ClientId, string DisplayName, TenantRole Role, string SecretPrefix, long CreatedAt, long? SecretRotatedAt);

/// <summary>The only response that carries the client secret.</summary>
public sealed record ApiClientWithSecret(string ClientId, string ClientSecret, string DisplayName, TenantRole Role, string SecretPrefix, long CreatedAt, long? SecretRotatedAt);

/// <summary>What <see cref="ApiClientService.CheckTokenRequestAsync"/> decided: why no token (or null), and the secret prefix a token carries.</summary>
public sealed record TokenRequestCheck(string? Refusal, string SecretPrefix);
