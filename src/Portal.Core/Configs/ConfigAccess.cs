using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Configs;

/// <summary>
/// The one way any feature (configs, webhooks, verification, OAuth) reaches a config. The rule, in this order: an
/// integration or config that is missing, or is another tenant's, is 404 with the same words everywhere; only then is
/// a Viewer refused a change (403), so a refusal never tells anyone what exists where they cannot look.
/// </summary>
public sealed class ConfigAccess(IntegrationService integrations, CredentialProtector protector, Refusals refusals)
{
    /// <summary>
    /// Loads config <paramref name="configId"/> of the actor's tenant, tracked on <paramref name="db"/> (a change is
    /// saved with the operation). <paramref name="forWrite"/>: the operation changes the config or acts with its
    /// credentials, so a Viewer is refused (with <paramref name="refusal"/> when the operation says why), and the
    /// refusal is audited once as <paramref name="operation"/> on the config (plus <paramref name="targetSuffix"/>).
    /// </summary>
    public async Task<Result<LoadedConfig>> LoadAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, bool forWrite, CancellationToken ct, string? refusal = null, string operation = "config.update", string targetSuffix = "")
    {
        var integration = await IntegrationAsync(db, actor, integrationId, ct);
        if (integration.Value is not { } definition)
        {
            return integration.Error!;
        }

        var entity = forWrite && actor.IsAdmin // a Viewer is refused below: no lock for that
            ? await db.ConfigForUpdateAsync(actor.TenantId, integrationId, configId, ct)
            : await db.Configs.FirstOrDefaultAsync(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId && c.Id == configId, ct);
        if (entity is null)
        {
            return NotFound(integrationId, configId);
        }

        if (forWrite && !actor.IsAdmin)
        {
            return await refusals.RecordAsync(actor, operation, LoadedConfig.ConfigTarget(integrationId, configId) + targetSuffix, refusal is null ? Error.Forbidden() : Error.Forbidden(refusal), db, ct: ct);
        }

        return new LoadedConfig(definition, entity, protector);
    }

    /// <summary>The actor's tenant's integration <paramref name="integrationId"/> (404 when it has none), for an operation on its configs as a whole (create, list).</summary>
    internal async Task<Result<IntegrationDefinition>> IntegrationAsync(PortalDbContext db, Actor actor, string integrationId, CancellationToken ct) =>
        await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct) is { } definition ? definition : IntegrationService.NotFound(integrationId);

    /// <summary>A config row already read (a list, a new config) with its integration's definition.</summary>
    internal LoadedConfig Of(IntegrationDefinition definition, Config entity) => new(definition, entity, protector);

    /// <summary>The credentials of a revision (a snapshot taken at publish), decrypted.</summary>
    public Dictionary<string, Dictionary<string, string>> CredentialsOf(ConfigRevision revision) => protector.UnprotectBag(revision.CredentialsProtected);

    public static Error NotFound(string integrationId, Guid configId) => Error.NotFound($"Config '{configId}' was not found for integration '{integrationId}'.");
}

/// <summary>
/// A config as an operation holds it: the integration's definition, the row, its content decoded once, and its
/// credentials decrypted only when the operation asks for them (reading a config's name needs no decryption).
/// </summary>
public sealed class LoadedConfig
{
    private readonly CredentialProtector _protector;
    private ConfigContent? _content;
    private Dictionary<string, Dictionary<string, string>>? _credentials;

    internal LoadedConfig(IntegrationDefinition definition, Config entity, CredentialProtector protector)
    {
        Definition = definition;
        Entity = entity;
        _protector = protector;
    }

    internal IntegrationDefinition Definition { get; }

    public Config Entity { get; }

    public ConfigMetadata Metadata => Definition.Metadata;

    public WebhookOwnership WebhookOwnership => Definition.WebhookOwnership;

    /// <summary>The draft's content, decoded from the row once.</summary>
    public ConfigContent Content => _content ??= PortalJson.Deserialize<ConfigContent>(Entity.ContentJson);

    /// <summary>Section → name → value, decrypted on first use and kept for the operation.</summary>
    public Dictionary<string, Dictionary<string, string>> Credentials => _credentials ??= _protector.UnprotectBag(Entity.CredentialsProtected);

    /// <summary>Writes <paramref name="content"/> to the row (and its display name).</summary>
    public void SetContent(ConfigContent content)
    {
        Entity.DisplayName = content.DisplayName;
        Entity.ContentJson = PortalJson.Serialize(content);
        _content = content;
    }

    /// <summary>Encrypts <paramref name="credentials"/> into the row.</summary>
    public void SetCredentials(Dictionary<string, Dictionary<string, string>> credentials)
    {
        Entity.CredentialsProtected = _protector.ProtectBag(credentials);
        _credentials = credentials;
    }

    /// <summary>Makes the draft what <paramref name="revision"/> holds, content and credentials.</summary>
    public void ResetTo(ConfigRevision revision)
    {
        Entity.ContentJson = revision.ContentJson;
        Entity.CredentialsProtected = revision.CredentialsProtected;
        _content = null;
        _credentials = null;
        Entity.DisplayName = Content.DisplayName;
    }

    /// <summary>New credentials: the OAuth tokens earned with the old ones do not apply (the connection state is <see cref="Config.ResetConnection"/>'s).</summary>
    public void ForgetOAuthTokens()
    {
        var credentials = Credentials;
        credentials.Keys.Where(IsOAuthSection).ToList().ForEach(k => credentials.Remove(k));
        SetCredentials(credentials);
    }

    /// <summary>
    /// The auth choice and its credential values (not OAuth tokens, not parameters): equal fingerprints are the same
    /// credentials, so what was proven (or the tokens earned) with one still belongs to the other.
    /// </summary>
    public string AuthFingerprint()
    {
        var sections = Credentials.Where(b => b.Key == ConfigRules.AuthSection || b.Key.StartsWith("authMap:", StringComparison.Ordinal))
            .OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => new { b.Key, Values = b.Value.OrderBy(v => v.Key, StringComparer.Ordinal).ToList() });
        var json = PortalJson.Serialize(new { Content.Auth, Content.AuthMap, sections });
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>The audit target and path of the config: <c>integrations/{integration}/configs/{id}</c>.</summary>
    public string Target => ConfigTarget(Entity.IntegrationId, Entity.Id);

    public static string ConfigTarget(string integrationId, Guid configId) => $"integrations/{integrationId}/configs/{configId}";

    private static bool IsOAuthSection(string section) => section == "oauth" || section.StartsWith("oauth:", StringComparison.Ordinal);
}
