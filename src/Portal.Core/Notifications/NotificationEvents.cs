using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.KeyLifecycle;
using Portal.Core.Tenancy;

namespace Portal.Core.Notifications;

/// <summary>The event types of DESIGN.md "Notifications", and the one place their payloads are formed.</summary>
public static class NotificationEvents
{
    public const string KeyRotated = "key.rotated";
    public const string KeyRevoked = "key.revoked";
    public const string KeyLeaked = "key.leaked";
    public const string KeyRotationDue = "key.rotation_due";
    public const string KeyExpired = "key.expired";
    public const string KeyUsedAfterRevoke = "key.used_after_revoke";
    public const string OAuthNeedsReauth = "oauth.needs_reauth";
    public const string OAuthConnected = "oauth.connected";
    public const string EndpointDisabled = "notification_endpoint.disabled";
    public const string Test = "notification.test";

    /// <summary>The types an endpoint may subscribe to (the test event is sent on request, to one endpoint).</summary>
    public static IReadOnlyList<string> All { get; } =
        [KeyRotated, KeyRevoked, KeyLeaked, KeyRotationDue, KeyExpired, KeyUsedAfterRevoke, OAuthNeedsReauth, OAuthConnected, EndpointDisabled];

    public static IReadOnlyList<string> Split(string? stored) =>
        string.IsNullOrWhiteSpace(stored) ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Stages an event on the caller's context: it is written with the caller's change, in its transaction, or not at
    /// all. <paramref name="data"/> is the event's <c>data</c>; the tenant is added to it. Never put a secret in it.
    /// </summary>
    public static NotificationMessage Stage(PortalDbContext db, string tenantId, string type, long at, IReadOnlyDictionary<string, object?> data, Guid? onlyEndpoint = null)
    {
        var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["tenant"] = tenantId };
        foreach (var (name, value) in data)
        {
            body[name] = value;
        }

        var message = new NotificationMessage
        {
            TenantId = tenantId,
            EventType = type,
            WebhookId = $"msg_{Guid.CreateVersion7():N}",
            CreatedAt = at,
            Payload = JsonSerializer.Serialize(new Envelope(type, DateTimeOffset.FromUnixTimeMilliseconds(at).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), body), Json),
            OnlyEndpointId = onlyEndpoint,
        };
        db.NotificationMessages.Add(message);
        return message;
    }

    /// <summary>A key event (<c>key.*</c>): the key by kind and prefix, its owner, who did it, and what else the type says.</summary>
    public static NotificationMessage StageKey(PortalDbContext db, string type, IssuedKey key, string actor, long at, params (string Name, object? Value)[] more) =>
        StageKey(db, type, key.TenantId, key.Kind, key.Id, key.KeyPrefix, key.OwnerId, actor, at, more);

    public static NotificationMessage StageKey(PortalDbContext db, string type, string tenantId, KeyKind kind, Guid keyId, string keyPrefix, string ownerId, string actor, long at, params (string Name, object? Value)[] more)
    {
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["kind"] = KeyKinds.WireName(kind),
            ["keyId"] = keyId,
            ["keyPrefix"] = keyPrefix,
            ["owner"] = OwnerOf(ownerId),
            ["actor"] = actor,
        };
        foreach (var (name, value) in more)
        {
            data[name] = value;
        }

        return Stage(db, tenantId, type, at, data);
    }

    /// <summary>An OAuth event (<c>oauth.*</c>): the config by integration, id and name, who or what did it, and why.</summary>
    public static NotificationMessage StageOAuth(PortalDbContext db, string type, Configs.Config config, string actor, long at, string? reason = null) =>
        Stage(db, config.TenantId, type, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["integration"] = config.IntegrationId,
            ["config"] = new { id = config.Id, displayName = config.DisplayName },
            ["actor"] = actor,
            ["reason"] = reason,
        });

    /// <summary>An endpoint's URL as other endpoints are told it: without its query string or fragment, which may carry a token.</summary>
    public static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : "";

    /// <summary>An actor as events name it (as the audit log does).</summary>
    public static string ActorName(Actor actor) => actor.AuditName;

    private static object OwnerOf(string stored) =>
        KeyOwner.TryParse(stored, out var owner)
            ? new { type = KeyOwnerTypes.Of(owner.Value.Kind), id = owner.Value.Id }
            : new { type = "unknown", id = AuditEvent.Fit(stored, 128) ?? "" };

    private sealed record Envelope(string Type, string Timestamp, IReadOnlyDictionary<string, object?> Data);
}
