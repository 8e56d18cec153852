using System.Diagnostics.CodeAnalysis;

namespace Portal.Core.Keys;

/// <summary>What a key can belong to.</summary>
public enum KeyOwnerKind
{
    /// <summary>A config's own webhook URL (webhookOwnership CONFIG).</summary>
    Config = 1,

    /// <summary>One webhook binding of a config (webhookOwnership PER_BINDING).</summary>
    Binding = 2,

    /// <summary>A named Standard Webhooks signing secret of a tenant.</summary>
    SigningSecret = 3,

    /// <summary>An integration's MCP server.</summary>
    Mcp = 4,

    /// <summary>An integration's own API key (seed 004).</summary>
    Integration = 5,

    /// <summary>An API client (its secret, verified by OpenIddict).</summary>
    ApiClient = 6,

    /// <summary>A notification endpoint (the <c>whsec_</c> secret the portal signs its operational webhooks with).</summary>
    NotificationEndpoint = 7,
}

/// <summary>
/// The owner of a key: a kind and the id of the thing it belongs to. <see cref="Stored"/> and <see cref="TryParse"/> are the
/// one mapping to and from the string kept in <see cref="IssuedKey.OwnerId"/> and <see cref="KeyBinding.OwnerId"/>
/// (<c>config:{id}</c>, <c>binding:{id}</c>, <c>signing:{name}</c>, <c>mcp:{id}</c>, <c>integration:{id}</c>).
/// </summary>
public readonly record struct KeyOwner(KeyOwnerKind Kind, string Id)
{
    private const string ConfigPrefix = "config:";
    private const string BindingPrefix = "binding:";
    private const string SigningPrefix = "signing:";
    private const string McpPrefix = "mcp:";
    private const string IntegrationPrefix = "integration:";
    private const string ApiClientPrefix = "apiclient:";
    private const string NotificationEndpointPrefix = "notify:";

    public static KeyOwner ForConfig(Guid configId) => new(KeyOwnerKind.Config, configId.ToString());

    public static KeyOwner ForBinding(Guid bindingId) => new(KeyOwnerKind.Binding, bindingId.ToString());

    public static KeyOwner ForSigningSecret(string name) => new(KeyOwnerKind.SigningSecret, name);

    public static KeyOwner ForMcp(string integrationId) => new(KeyOwnerKind.Mcp, integrationId);

    public static KeyOwner ForIntegration(string integrationId) => new(KeyOwnerKind.Integration, integrationId);

    public static KeyOwner ForApiClient(string clientId) => new(KeyOwnerKind.ApiClient, clientId);

    public static KeyOwner ForNotificationEndpoint(Guid endpointId) => new(KeyOwnerKind.NotificationEndpoint, endpointId.ToString());

    /// <summary>The owner as stored on keys and bindings.</summary>
    public string Stored => $"{PrefixOf(Kind)}{Id}";

    /// <summary>The id as a Guid, for the owners identified by one (configs and bindings); null otherwise.</summary>
    public Guid? GuidId => Kind is KeyOwnerKind.Config or KeyOwnerKind.Binding && Guid.TryParse(Id, out var id) ? id : null;

    /// <summary>Reads a stored owner back; false for anything the portal does not write (a config or binding owner must name a Guid).</summary>
    public static bool TryParse(string? stored, [NotNullWhen(true)] out KeyOwner? owner)
    {
        owner = null;
        if (string.IsNullOrEmpty(stored))
        {
            return false;
        }

        foreach (var kind in Enum.GetValues<KeyOwnerKind>())
        {
            var prefix = PrefixOf(kind);
            if (stored.StartsWith(prefix, StringComparison.Ordinal) && stored.Length > prefix.Length)
            {
                var candidate = new KeyOwner(kind, stored[prefix.Length..]);
                if (kind is KeyOwnerKind.Config or KeyOwnerKind.Binding && candidate.GuidId is null)
                {
                    return false;
                }

                owner = candidate;
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Stored;

    private static string PrefixOf(KeyOwnerKind kind) => kind switch
    {
        KeyOwnerKind.Config => ConfigPrefix,
        KeyOwnerKind.Binding => BindingPrefix,
        KeyOwnerKind.SigningSecret => SigningPrefix,
        KeyOwnerKind.Mcp => McpPrefix,
        KeyOwnerKind.Integration => IntegrationPrefix,
        KeyOwnerKind.ApiClient => ApiClientPrefix,
        KeyOwnerKind.NotificationEndpoint => NotificationEndpointPrefix,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
