using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;

namespace Portal.Core.Integrations;

/// <summary>
/// An integration's metadata and credentials, inside Core only (never for a response). The credentials are decrypted
/// on first use: most operations on a config read the metadata and never need them.
/// </summary>
internal sealed class IntegrationDefinition(string id, ConfigMetadata metadata, WebhookOwnership webhookOwnership, string? credentialsProtected, CredentialProtector protector)
{
    private Dictionary<string, Dictionary<string, string>>? _credentials;

    public string Id { get; } = id;

    public ConfigMetadata Metadata { get; } = metadata;

    public WebhookOwnership WebhookOwnership { get; } = webhookOwnership;

    /// <summary>Auth method id → credential name → value, decrypted once when first asked for.</summary>
    public Dictionary<string, Dictionary<string, string>> Credentials => _credentials ??= protector.UnprotectBag(credentialsProtected);

    /// <summary>The tenant's integration <paramref name="id"/>, or null when it has none by that id.</summary>
    public static async Task<IntegrationDefinition?> LoadAsync(PortalDbContext db, CredentialProtector protector, string tenantId, string id, CancellationToken ct)
    {
        var entity = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == tenantId && i.Id == id, ct);
        return entity is null ? null : new IntegrationDefinition(entity.Id, PortalJson.Deserialize<ConfigMetadata>(entity.MetadataJson), entity.WebhookOwnership, entity.CredentialsProtected, protector);
    }
}
