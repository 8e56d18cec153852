using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/t/{tenant}/keys: the tenant's key inventory, one row per key, found by its prefix.</summary>
public sealed class KeysPage(IPage page)
{
    public static string PathFor(string tenant, string? query = null) => $"/t/{Uri.EscapeDataString(tenant)}/keys{(query is null ? "" : "?" + query)}";

    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Keys", Level = 1, Exact = true });

    /// <summary>The row of the key whose prefix (e.g. <c>whk_abcd1234</c>) it shows.</summary>
    public ILocator Row(string keyPrefix) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = keyPrefix + "…" });

    public ILocator RotateButton(string keyPrefix) => page.GetByRole(AriaRole.Button, new() { Name = $"Rotate {keyPrefix}", Exact = true });

    public ILocator EndGraceButton(string keyPrefix) => page.GetByRole(AriaRole.Button, new() { Name = $"End grace now for {keyPrefix}", Exact = true });

    public ILocator Dialog => page.GetByRole(AriaRole.Dialog);
}
