namespace Portal.Features.Audit;

/// <summary>
/// Where an audit target lives in the portal, when its type is known: integrations (and their MCP and key tabs), configs
/// (and their webhook URLs, bindings, revisions), signing secrets, API clients, members, tenants. An unknown target has
/// no link and stays text.
/// </summary>
public static class AuditTargetLinks
{
    public static string? Href(string tenant, string target)
    {
        var parts = target.Split('/');
        var t = $"/t/{Uri.EscapeDataString(tenant)}";
        return parts switch
        {
            ["integrations"] => $"{t}/integrations",
            ["integrations", var integration, "configs", var config, ..] when Guid.TryParse(config, out var id) =>
                $"{t}/integrations/{Uri.EscapeDataString(integration)}/configs/{id}",
            ["integrations", var integration, ..] when integration.Length > 0 => $"{t}/integrations/{Uri.EscapeDataString(integration)}",
            ["api-clients", ..] => $"{t}/api-clients",
            ["signing-secrets", ..] => $"{t}/signing-secrets",
            ["members", ..] => $"{t}/members",
            ["tenants", ..] => "/tenants",
            _ => null,
        };
    }
}
