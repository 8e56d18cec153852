using System.Text.RegularExpressions;

namespace Portal.Core.Tenancy;

public static partial class TenantIds
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);
}
