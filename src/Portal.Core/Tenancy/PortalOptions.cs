namespace Portal.Core.Tenancy;

/// <summary>The <c>Portal</c> configuration section.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Origin of every URL the portal hands out; default: the request's own base URL.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Where the embedded SQLite file lives; default: <c>data</c> under the content root.</summary>
    public string? DataDirectory { get; set; }

    public BootstrapOptions Bootstrap { get; set; } = new();

    /// <summary>Local accounts (ASP.NET Core Identity) are on unless Entra ID is configured; set by the host.</summary>
    public bool LocalAccounts { get; set; } = true;

    /// <summary>How many issued keys the in-process key cache holds at most (about 0.5 KiB each); beyond that, checks read the store.</summary>
    public int KeyCacheCapacity { get; set; } = 2_000_000;
}

public sealed class BootstrapOptions
{
    public string Tenant { get; set; } = "default";
    public string AdminEmail { get; set; } = "admin@localhost";
    public string? AdminPassword { get; set; }
    public string? ApiClientId { get; set; }
    public string? ApiClientSecret { get; set; }
}
