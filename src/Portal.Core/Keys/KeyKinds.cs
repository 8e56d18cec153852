namespace Portal.Core.Keys;

/// <summary>The prefixes of DESIGN.md's key table.</summary>
public static class KeyPrefixes
{
    public const string WebhookKey = "whk_";
    public const string McpKey = "mcp_";
    public const string SigningSecret = "whsec_";
    public const string IntegrationKey = "integsk_";
    public const string ApiClientSecret = "pcs_";
}
