namespace Portal.Core.Integrations;

/// <summary>An integration row. Metadata is stored as JSON without credential values; those live encrypted in <see cref="CredentialsProtected"/>.</summary>
public sealed class Integration
{
    public required string TenantId { get; set; }
    public required string Id { get; set; }
    public required string DisplayName { get; set; }
    public string? Description { get; set; }
    public IntegrationType Type { get; set; }
    public required string MetadataJson { get; set; }

    /// <summary>Tags as <c>|a|b|</c>, so a tag filter is a provider-neutral LIKE.</summary>
    public string Tags { get; set; } = "|";

    /// <summary>Lower-cased id, name, description and tags for the text filter.</summary>
    public string SearchText { get; set; } = "";
    public bool IsInternal { get; set; }
    public WebhookOwnership WebhookOwnership { get; set; }

    /// <summary>Encrypted JSON: authMetadataId → credential name → value.</summary>
    public string? CredentialsProtected { get; set; }

    /// <summary>The tools as JSON (a list of <see cref="IntegrationTool"/>).</summary>
    public string ToolsJson { get; set; } = "[]";
    public long CreatedAt { get; set; }
    public long ModifiedAt { get; set; }

    /// <summary>Optimistic concurrency: a new value on every write; the API's ETag.</summary>
    public Guid Version { get; set; }
}

/// <summary>Create, replace (PUT) or merge (PATCH) body of an integration.</summary>
public sealed class IntegrationInput
{
    public string? Id { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public IntegrationType? Type { get; set; }
    public ConfigMetadata? ConfigMetadata { get; set; }
    public List<string>? Tags { get; set; }
    public bool? IsInternal { get; set; }
    public WebhookOwnership? WebhookOwnership { get; set; }

    /// <summary>The tools an MCP client can call; PATCH keeps them when omitted.</summary>
    public List<IntegrationTool>? Tools { get; set; }
}

/// <summary>An integration as the API returns it: credentials stripped, their presence reported.</summary>
public sealed record IntegrationView
{
    public required string Id { get; init; }
    public required string DisplayName { get; init; }
    public string? Description { get; init; }
    public required IntegrationType Type { get; init; }
    public required ConfigMetadata ConfigMetadata { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required bool IsInternal { get; init; }
    public required WebhookOwnership WebhookOwnership { get; init; }
    public required IReadOnlyList<IntegrationTool> Tools { get; init; }
    public required long CreatedAt { get; init; }
    public required long ModifiedAt { get; init; }

    /// <summary>The row version the view was read at: the API sends it as the <c>ETag</c> header, not in the body.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Guid Version { get; init; }
}

public sealed record IntegrationQuery(string? Tag = null, string? Text = null);
