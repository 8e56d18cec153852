using System.Text.Json.Serialization;

namespace Portal.Core.Mcp;

/// <summary>Seed 002: the MCP server settings of one integration. The key lives in the key engine (owner <c>mcp:{integrationId}</c>).</summary>
public sealed class McpSettings
{
    public required string TenantId { get; set; }
    public required string IntegrationId { get; set; }
    public bool Enabled { get; set; }
    public Guid? ConfigId { get; set; }

    /// <summary>The exposed tool ids as JSON (a list of strings).</summary>
    public string ExposedToolIdsJson { get; set; } = "[]";
    public string? Description { get; set; }
    public long CreatedAt { get; set; }
    public long ModifiedAt { get; set; }
}

/// <summary>PATCH body of the MCP settings: null (or omitted) fields are kept.</summary>
public sealed class McpSettingsInput
{
    public bool? Enabled { get; set; }
    public Guid? ConfigId { get; set; }
    public List<string>? ExposedToolIds { get; set; }
    public string? Description { get; set; }
}

/// <summary>The MCP settings as seed 002 returns them; <see cref="ApiKey"/> only in the response that minted it.</summary>
public sealed record McpSettingsView
{
    public required string IntegrationId { get; init; }
    public required bool Enabled { get; init; }
    public Guid? ConfigId { get; init; }
    public required IReadOnlyList<string> ExposedToolIds { get; init; }
    public string? Description { get; init; }
    public Guid? ApiKeyId { get; init; }
    public required string CallUrl { get; init; }
    public required string TestUrl { get; init; }
    public required long CreatedAt { get; init; }
    public required long ModifiedAt { get; init; }
    public string? KeyPrefix { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiKey { get; init; }

    /// <summary>When the key was last used (minute precision), for the page; not part of seed 002's shape.</summary>
    [JsonIgnore]
    public long? KeyLastUsedAt { get; init; }

    /// <summary>Never prints the key, should the record reach a log line.</summary>
    public override string ToString() => $"McpSettingsView {{ IntegrationId = {IntegrationId}, Enabled = {Enabled}, KeyPrefix = {KeyPrefix}, ApiKey = {(ApiKey is null ? "null" : "(redacted)")} }}";
}
