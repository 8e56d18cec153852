using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;

namespace Portal.Features.Keys;

/// <summary>The words pages use for kinds and statuses of keys (the wire names stay in the address and the API).</summary>
public static class KeyLabels
{
    /// <summary>A kind's human name by its wire name, e.g. <c>webhook_key</c> → "Webhook URL keys".</summary>
    public static string KindPlural(string wireName) => wireName switch
    {
        "webhook_key" => "Webhook URL keys",
        "signing_secret" => "Signing secrets",
        "mcp_key" => "MCP keys",
        "integration_key" => "Integration keys",
        "api_client_secret" => "API client secrets",
        _ => wireName,
    };

    /// <summary>One key's kind in words, e.g. "Webhook URL key".</summary>
    public static string Kind(string wireName) => wireName switch
    {
        "webhook_key" => "Webhook URL key",
        "signing_secret" => "Signing secret",
        "mcp_key" => "MCP key",
        "integration_key" => "Integration key",
        "api_client_secret" => "API client secret",
        _ => wireName,
    };

    /// <summary>One key's kind inside a sentence, e.g. "webhook URL key", "MCP key".</summary>
    public static string KindInText(string wireName) => wireName switch
    {
        "webhook_key" => "webhook URL key",
        "signing_secret" => "signing secret",
        "mcp_key" => "MCP key",
        "integration_key" => "integration key",
        "api_client_secret" => "API client secret",
        _ => wireName,
    };

    public static string KindPlural(KeyKind kind) => KindPlural(KeyKinds.WireName(kind));

    /// <summary>The status filter's words.</summary>
    public static string Status(string status) => status switch
    {
        KeyStatuses.Active => "Active",
        KeyStatuses.Due => "Rotation due",
        KeyStatuses.Expired => "Expired",
        KeyStatuses.Unused => $"Unused for {KeyStatuses.UnusedDays} days",
        KeyStatuses.Leaked => "Leaked",
        KeyStatuses.Grace => "In grace period",
        KeyStatuses.Revoked => "Revoked",
        _ => status,
    };

    /// <summary>Whether a rotation of this kind may keep the old key working for a while (the others are replaced at once).</summary>
    public static bool HasGracePeriod(string wireName) => wireName is "webhook_key" or "signing_secret";

    /// <summary>Whether the inventory offers "Rotate" for the key: it is the one in force and not already refused.</summary>
    public static bool CanRotate(KeyInventoryItem item) =>
        item.Active && item.Status is KeyStatuses.Active or KeyStatuses.Due or KeyStatuses.Expired or KeyStatuses.Leaked;

    /// <summary>Whether the key is a replaced one still accepted until its <c>expiresAt</c>.</summary>
    public static bool InGrace(KeyInventoryItem item) => item.Status == KeyStatuses.Grace;
}
